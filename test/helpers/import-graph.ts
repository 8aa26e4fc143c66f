/**
 * A small import graph of src/ and the layering rules checked on it (test/unit/architecture.test.ts).
 * Imports are read with TypeScript's own pre-processor (static imports, re-exports, `import()`
 * and `import type` alike: a type import couples two layers as much as a value import does).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import ts from 'typescript';

/** One module: its path relative to the repository (`src/api/client.ts`), what it imports, and its text. */
export interface SourceModule {
  path: string;
  /** Relative imports resolved to repository paths (`src/api/errors.ts`); packages as written. */
  imports: string[];
  text: string;
}

/** Reads every .ts module under `root` (a folder of the repository, `src` by default). */
export function readModules(repository: string, root = 'src'): SourceModule[] {
  const files = readdirSync(join(repository, root), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => join(root, file).split(sep).join('/'))
    .sort();
  return files.map((path) => moduleOf(path, readFileSync(join(repository, path), 'utf8')));
}

/** A module from its path and text (tests of the rules build synthetic ones with it). */
export function moduleOf(path: string, text: string): SourceModule {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return { path, text, imports: importedFiles.map(({ fileName }) => resolved(path, fileName)) };
}

function resolved(from: string, specifier: string): string {
  if (!specifier.startsWith('.')) return specifier;
  const target = normalize(join(dirname(from), specifier))
    .split(sep)
    .join('/');
  return target.replace(/\.js$/, '.ts');
}

/** Who may import src/tools/: the tools themselves, the MCP layer, and the two modules that assemble a server. */
const TOOLS_IMPORTERS = [/^src\/tools\//, /^src\/mcp\//, /^src\/server\.ts$/, /^src\/runtime\.ts$/];

export function toolsImportedOutside(modules: readonly SourceModule[]): string[] {
  return edges(modules)
    .filter(([from, to]) => to.startsWith('src/tools/') && !TOOLS_IMPORTERS.some((allowed) => allowed.test(from)))
    .map(([from, to]) => `${from} imports ${to}`);
}

/**
 * The node a module belongs to in the folder graph: its top-level folder under src/ (`api/`), or,
 * for a module at the root of src/, the file itself (`server.ts`). Root files are separate nodes
 * because they are separate layers (config.ts is read by everything, main.ts reads everything):
 * lumped together as one "root" node they would form a cycle with every folder for no reason.
 */
export function folderOf(path: string): string {
  const parts = path.replace(/^src\//, '').split('/');
  return parts.length === 1 ? (parts[0] ?? path) : `${parts[0]}/`;
}

/** Folder-level cycles: each is a set of nodes that import one another, with one edge per step as evidence. */
export function folderCycles(modules: readonly SourceModule[]): string[] {
  const graph = new Map<string, Map<string, string>>();
  for (const [from, to] of edges(modules)) {
    if (!to.startsWith('src/')) continue;
    const a = folderOf(from);
    const b = folderOf(to);
    if (a === b) continue;
    const out = graph.get(a) ?? new Map<string, string>();
    if (!out.has(b)) out.set(b, `${from} → ${to}`);
    graph.set(a, out);
  }
  return stronglyConnected(graph)
    .filter((component) => component.length > 1)
    .map((component) => {
      const inside = new Set(component);
      const evidence = component.flatMap((node) =>
        [...(graph.get(node) ?? [])].filter(([next]) => inside.has(next)).map(([, edge]) => edge),
      );
      return `${component.join(' ⇄ ')} (${evidence.join('; ')})`;
    });
}

/** Tarjan's algorithm: the strongly connected components of a directed graph. */
function stronglyConnected(graph: ReadonlyMap<string, ReadonlyMap<string, string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node) ?? 0);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      components.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return components;
}

/**
 * Reads of the environment outside src/config.ts: `process.env` (also as `process['env']` or
 * destructured from `process`) and `env` imported from node:process. Comments and strings do not count.
 */
export function environmentReadsOutsideConfig(modules: readonly SourceModule[]): string[] {
  return modules
    .filter((module) => module.path !== 'src/config.ts')
    .flatMap((module) => environmentReads(module).map((where) => `${module.path}:${where}`));
}

function environmentReads(module: SourceModule): number[] {
  const source = ts.createSourceFile(module.path, module.text, ts.ScriptTarget.Latest, true);
  const lines: number[] = [];
  const line = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
  const isProcess = (node: ts.Node) => ts.isIdentifier(node) && node.text === 'process';
  const visit = (node: ts.Node) => {
    if (ts.isPropertyAccessExpression(node) && isProcess(node.expression) && node.name.text === 'env') {
      lines.push(line(node));
    } else if (
      ts.isElementAccessExpression(node) &&
      isProcess(node.expression) &&
      ts.isStringLiteralLike(node.argumentExpression) &&
      node.argumentExpression.text === 'env'
    ) {
      lines.push(line(node));
    } else if (
      ts.isVariableDeclaration(node) &&
      node.initializer &&
      isProcess(node.initializer) &&
      ts.isObjectBindingPattern(node.name) &&
      node.name.elements.some((element) => (element.propertyName ?? element.name).getText(source) === 'env')
    ) {
      lines.push(line(node));
    } else if (
      ts.isImportDeclaration(node) &&
      ts.isStringLiteral(node.moduleSpecifier) &&
      ['process', 'node:process'].includes(node.moduleSpecifier.text) &&
      /\benv\b/.test(node.importClause?.getText(source) ?? '')
    ) {
      lines.push(line(node));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return lines;
}

/** Imports of the MCP SDK outside src/mcp/. */
export function sdkImportedOutsideMcp(modules: readonly SourceModule[]): string[] {
  return edges(modules)
    .filter(([from, to]) => to.startsWith('@modelcontextprotocol/') && !from.startsWith('src/mcp/'))
    .map(([from, to]) => `${from} imports ${to}`);
}

function edges(modules: readonly SourceModule[]): [string, string][] {
  return modules.flatMap((module) => module.imports.map((target): [string, string] => [module.path, target]));
}
