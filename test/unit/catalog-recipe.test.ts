/**
 * CONTRIBUTING.md's "Adding a tool", followed literally: in a temporary copy of the repository,
 * each step of the recipe is carried out for a throwaway tool (its file, the CATALOG line, a new
 * scope, a new upstream operation, its sandbox route, the MCP_CATALOG entry, `npm run docs`'s
 * generator and the wire-snapshot writer), then the catalog check is run on the copy. It passes
 * with every step done, and fails, naming what is missing, with any one step undone.
 * The copy shares this repository's node_modules (a symlink) and runs its scripts with tsx.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '..', '..');
const COPIED = [
  'src',
  'scripts',
  'docs',
  'test/helpers',
  'test/__toolsnaps__',
  'README.md',
  'manifest.json',
  'package.json',
  'tsconfig.json',
  'biome.json',
];

const TOOL = `import { z } from 'zod';
import type { ToolDefinition } from '../framework/types.js';

const inputSchema = z.object({ note: z.string().max(100).optional().describe('Anything; the tool ignores it.') });
const outputSchema = z.object({ practice: z.string().describe('The practice it ran for.') });

export const throwawayReport: ToolDefinition<typeof inputSchema, typeof outputSchema> = {
  name: 'throwaway_report',
  toolset: 'reports',
  title: 'Throwaway report',
  description: 'A tool the catalog recipe test adds to a temporary copy of the repository; it never ships.',
  inputSchema,
  outputSchema,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  requiredScopes: ['throwaway:read'],
  writes: false,
  operations: ['reports.throwaway'],
  async handler(context) {
    return { structured: { practice: context.practice.id }, summary: context.practice.name };
  },
};
`;

const ROUTE = `import type { Router } from '../http/types.js';
import type { SandboxStore } from '../store.js';

export function registerThrowawayRoutes(router: Router, _store: SandboxStore): void {
  router.get('/api/v1/practice/{practice_uid}/reports/throwaway/', { practiceScoped: true }, () => ({
    status: 200,
    body: {},
  }));
}
`;

/** Inserts `text` on the line after the first line of `file` that starts with `anchor`. */
function insertAfter(root: string, file: string, anchor: string, text: string): void {
  const path = join(root, file);
  const lines = readFileSync(path, 'utf8').split('\n');
  const at = lines.findIndex((line) => line.startsWith(anchor));
  if (at < 0) throw new Error(`${file} has no line starting with ${anchor}: the recipe test needs updating`);
  lines.splice(at + 1, 0, text);
  writeFileSync(path, lines.join('\n'));
}

const tsx = (root: string, script: string, args: string[] = []) =>
  execFileSync(join(root, 'node_modules', '.bin', 'tsx'), [script, ...args], { cwd: root, stdio: 'pipe' });

const SCOPES_FILE = 'src/tenancy/types.ts';

interface Step {
  name: string;
  /** The files the step writes, relative to the copy. */
  files: (root: string) => string[];
  run: (root: string) => void;
  /** What the check says when this step alone is left out. */
  missing: string;
}

const STEPS: Step[] = [
  {
    name: 'tool file',
    files: () => ['src/tools/reports/throwaway-report.ts'],
    run: (root) => writeFileSync(join(root, 'src/tools/reports/throwaway-report.ts'), TOOL),
    missing: 'throwaway-report',
  },
  {
    name: 'CATALOG line',
    files: () => ['src/tools/registry.ts'],
    run: (root) => {
      insertAfter(
        root,
        'src/tools/registry.ts',
        'import type',
        "import { throwawayReport } from './reports/throwaway-report.js';",
      );
      insertAfter(root, 'src/tools/registry.ts', 'export const CATALOG', '  throwawayReport,');
    },
    missing:
      'throwaway_report: src/tools/reports/throwaway-report.ts exports throwawayReport, which is not in CATALOG; add it in src/tools/registry.ts',
  },
  {
    name: 'scope',
    files: () => [SCOPES_FILE],
    run: (root) => insertAfter(root, SCOPES_FILE, 'export const SCOPES = [', "  'throwaway:read',"),
    missing: 'throwaway_report: requiredScopes names "throwaway:read", which is not in SCOPES',
  },
  {
    name: 'operation',
    files: () => ['src/api/paths.ts'],
    run: (root) =>
      insertAfter(
        root,
        'src/api/paths.ts',
        'export const DEFAULT_OPERATIONS = {',
        "  'reports.throwaway': { method: 'GET', path: `/api/v1/practice/{practice}/reports/throwaway/` },",
      ),
    missing:
      'throwaway_report: operations names "reports.throwaway", which is not in DEFAULT_OPERATIONS (src/api/paths.ts)',
  },
  {
    name: 'sandbox route',
    files: () => ['src/sandbox/routes/throwaway.ts', 'src/sandbox/routes/index.ts'],
    run: (root) => {
      writeFileSync(join(root, 'src/sandbox/routes/throwaway.ts'), ROUTE);
      insertAfter(
        root,
        'src/sandbox/routes/index.ts',
        'import type',
        "import { registerThrowawayRoutes } from './throwaway.js';",
      );
      insertAfter(
        root,
        'src/sandbox/routes/index.ts',
        'export function registerRoutes',
        '  registerThrowawayRoutes(router, store);',
      );
    },
    missing:
      'throwaway_report: operation reports.throwaway (GET /api/v1/practice/{practice}/reports/throwaway/) has no sandbox route; register one in src/sandbox/routes/',
  },
  {
    name: 'MCP_CATALOG entry',
    files: () => ['src/sandbox/seed/org.ts'],
    run: (root) =>
      insertAfter(
        root,
        'src/sandbox/seed/org.ts',
        'export const MCP_CATALOG',
        "  { name: 'throwaway_report', description: 'Throwaway.', requiredScopes: ['throwaway:read'], passContext: true },",
      ),
    missing: "throwaway_report: no entry in MCP_CATALOG (src/sandbox/seed/org.ts), Escape's own list of MCP tools",
  },
  {
    name: 'npm run docs',
    files: () => ['docs/tools.md', 'README.md', 'manifest.json'],
    run: (root) => tsx(root, 'scripts/generate-docs.ts'),
    missing: 'throwaway_report: no entry in docs/tools.md; run npm run docs',
  },
  {
    name: 'wire snapshot',
    files: () => ['test/__toolsnaps__/throwaway_report.json'],
    run: (root) => tsx(root, 'test/helpers/toolsnaps.ts', ['--update']),
    missing: 'throwaway_report: no wire snapshot test/__toolsnaps__/throwaway_report.json; run npm run toolsnaps',
  },
];

type Contents = Map<string, string | undefined>;
const read = (root: string, files: string[]): Contents =>
  new Map(
    files.map((file) => [file, existsSync(join(root, file)) ? readFileSync(join(root, file), 'utf8') : undefined]),
  );
function restore(root: string, contents: Contents): void {
  for (const [file, text] of contents) {
    if (text === undefined) rmSync(join(root, file), { force: true });
    else writeFileSync(join(root, file), text);
  }
}

/** The catalog check run on the copy: its exit status and what it printed. */
function check(root: string): { ok: boolean; output: string } {
  try {
    tsx(root, 'test/helpers/catalog-check.ts');
    return { ok: true, output: '' };
  } catch (error) {
    const failed = error as { stdout?: Buffer; stderr?: Buffer };
    return { ok: false, output: `${failed.stdout?.toString() ?? ''}${failed.stderr?.toString() ?? ''}` };
  }
}

let root: string;
const before = new Map<string, Contents>();
const after = new Map<string, Contents>();

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'catalog-recipe-'));
  for (const path of COPIED) cpSync(join(REPO, path), join(root, path), { recursive: true });
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'), 'dir');
  for (const step of STEPS) {
    const files = step.files(root);
    before.set(step.name, read(root, files));
    step.run(root);
    after.set(step.name, read(root, files));
  }
}, 300_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('CONTRIBUTING.md "Adding a tool", followed in a copy of the repository', () => {
  it('names every step it carries out', () => {
    const recipe = readFileSync(join(REPO, 'CONTRIBUTING.md'), 'utf8');
    for (const words of ['registry.ts', 'SCOPES', 'operations', 'src/api/paths.ts', 'src/sandbox/routes/']) {
      expect(recipe).toContain(words);
    }
    for (const words of ['MCP_CATALOG', 'npm run docs', 'npm run toolsnaps', 'src/api/resources/']) {
      expect(recipe).toContain(words);
    }
  });

  it('passes with every step done', () => {
    expect(check(root)).toEqual({ ok: true, output: '' });
    expect(readFileSync(join(root, 'docs/tools.md'), 'utf8')).toContain('## `throwaway_report`');
    const snapshot = JSON.parse(readFileSync(join(root, 'test/__toolsnaps__/throwaway_report.json'), 'utf8'));
    expect(snapshot.tool.name).toBe('throwaway_report');
  });

  it.each(STEPS.map((step) => [step.name, step] as const))('fails, naming it, without the step "%s"', (_name, step) => {
    restore(root, before.get(step.name) as Contents);
    try {
      const result = check(root);
      expect(result.ok).toBe(false);
      expect(result.output).toContain(step.missing);
    } finally {
      restore(root, after.get(step.name) as Contents);
    }
  });
});
