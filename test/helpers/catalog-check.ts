/**
 * What every tool in CATALOG needs besides its file, checked against the source tree this file
 * sits in (CONTRIBUTING.md "Adding a tool"): a CATALOG line for every tool file, a wire snapshot, known scopes, a docs entry, a
 * sandbox route for each upstream operation it declares, and an entry in the sandbox's copy of
 * Escape's MCP catalog (without one, Escape's support UI offers no gate row for the tool). Each
 * problem says what to add, and where.
 *
 *   npx tsx test/helpers/catalog-check.ts    print the problems; exit 1 when there are any
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_OPERATIONS } from '../../src/api/paths.js';
import type { Router } from '../../src/sandbox/http/types.js';
import { registerRoutes } from '../../src/sandbox/routes/index.js';
import { MCP_CATALOG } from '../../src/sandbox/seed/org.js';
import type { SandboxStore } from '../../src/sandbox/store.js';
import { SCOPES } from '../../src/tenancy/types.js';
import { AMBIENT_OPERATIONS } from '../../src/tools/framework/invoke.js';
import { type AnyToolDefinition, TOOLSETS } from '../../src/tools/framework/types.js';
import { CATALOG } from '../../src/tools/registry.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');

/** `METHOD /a/{}/b/`: placeholders of either side's naming made alike. */
const routeKey = (method: string, path: string) => `${method} ${path.replace(/\{[^}]+\}/g, '{}')}`;

/** Every route the sandbox registers, read by registering them on a router that only records. */
export function sandboxRoutes(): Set<string> {
  const routes = new Set<string>();
  const record =
    (method: string) =>
    (path: string): void => {
      routes.add(routeKey(method, path));
    };
  const recorder: Router = {
    get: record('GET'),
    post: record('POST'),
    put: record('PUT'),
    patch: record('PATCH'),
    delete: record('DELETE'),
  };
  registerRoutes(recorder, {} as SandboxStore);
  return routes;
}

const isToolDefinition = (value: unknown): value is AnyToolDefinition =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { name?: unknown }).name === 'string' &&
  typeof (value as { handler?: unknown }).handler === 'function' &&
  typeof (value as { inputSchema?: unknown }).inputSchema === 'object';

/** Tool definitions exported from src/tools/<toolset>/ that CATALOG lacks or that sit in another toolset's folder. */
export async function toolFileProblems(tools: readonly AnyToolDefinition[] = CATALOG, root = ROOT): Promise<string[]> {
  const problems: string[] = [];
  for (const folder of TOOLSETS) {
    const dir = join(root, 'src', 'tools', folder);
    const files = existsSync(dir) ? readdirSync(dir).filter((file) => file.endsWith('.ts')) : [];
    for (const file of files.sort()) {
      const module = (await import(pathToFileURL(join(dir, file)).href)) as Record<string, unknown>;
      for (const [exported, value] of Object.entries(module)) {
        if (!isToolDefinition(value)) continue;
        const where = `src/tools/${folder}/${file}`;
        if (!tools.some((tool) => tool.name === value.name)) {
          problems.push(
            `${value.name}: ${where} exports ${exported}, which is not in CATALOG; add it in src/tools/registry.ts`,
          );
        }
        if (value.toolset !== folder) {
          problems.push(`${value.name}: ${where} is in the ${folder} folder but says toolset '${value.toolset}'`);
        }
      }
    }
  }
  return problems;
}

export function catalogProblems(
  tools: readonly AnyToolDefinition[] = CATALOG,
  root: string = ROOT,
  routes: ReadonlySet<string> = sandboxRoutes(),
): string[] {
  const problems: string[] = [];
  const docs = readFileSync(join(root, 'docs', 'tools.md'), 'utf8');
  const upstreamCatalog = new Set(MCP_CATALOG.map((entry) => entry.name));
  const scopes: readonly string[] = SCOPES;
  const operations = DEFAULT_OPERATIONS as Record<string, { method: string; path: string } | undefined>;
  for (const tool of tools) {
    const name = tool.name;
    if (!existsSync(join(root, 'test', '__toolsnaps__', `${name}.json`))) {
      problems.push(`${name}: no wire snapshot test/__toolsnaps__/${name}.json; run npm run toolsnaps`);
    }
    for (const scope of tool.requiredScopes) {
      if (!scopes.includes(scope)) {
        problems.push(`${name}: requiredScopes names "${scope}", which is not in SCOPES (src/tenancy/types.ts)`);
      }
    }
    if (!docs.includes(`## \`${name}\``)) {
      problems.push(`${name}: no entry in docs/tools.md; run npm run docs`);
    }
    for (const operation of [...tool.operations, ...AMBIENT_OPERATIONS]) {
      const spec = operations[operation];
      if (!spec) {
        problems.push(
          `${name}: operations names "${operation}", which is not in DEFAULT_OPERATIONS (src/api/paths.ts)`,
        );
      } else if (!routes.has(routeKey(spec.method, spec.path))) {
        problems.push(
          `${name}: operation ${operation} (${spec.method} ${spec.path}) has no sandbox route; register one in src/sandbox/routes/`,
        );
      }
    }
    if (!upstreamCatalog.has(name)) {
      problems.push(`${name}: no entry in MCP_CATALOG (src/sandbox/seed/org.ts), Escape's own list of MCP tools`);
    }
  }
  return problems;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const problems = [...(await toolFileProblems()), ...catalogProblems()];
  for (const problem of problems) console.error(problem);
  process.exitCode = problems.length > 0 ? 1 : 0;
}
