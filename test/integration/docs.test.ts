/**
 * The prose that describes the code stays the code's: the README's settings and tool tables,
 * docs/tools.md and the manifest's tool list are what `npm run docs` generates from the registry
 * and src/config.ts right now. A second, independent reading checks the generator itself: every
 * tool the server registers, every parameter it advertises and every flag `--help` prints shows up.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedFiles, REPO_ROOT } from '../../scripts/generate-docs.js';
import { PrometheusMetrics } from '../../src/metrics.js';
import { CATALOG } from '../../src/tools/registry.js';
import { connectStdio, startTestSandbox } from '../helpers/harness.js';

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');

describe('generated documentation', () => {
  it.each(generatedFiles().map((file) => [file.path, file] as const))(
    '%s matches the code (run `npm run docs` when this fails)',
    (_path, file) => {
      expect(file.actual).toBe(file.expected);
    },
  );

  it('lists every tool the server registers, with every parameter it advertises', async () => {
    const sandbox = await startTestSandbox();
    const connection = await connectStdio({ sandbox });
    try {
      const { tools } = await connection.client.listTools();
      const readme = read('README.md');
      const reference = read('docs/tools.md');
      const manifest = JSON.parse(read('manifest.json')) as { tools: { name: string; description: string }[] };

      // Gates may hide a tool from a listing; the manifest and the docs cover the whole catalog.
      expect(manifest.tools.map((t) => t.name).sort()).toEqual(CATALOG.map((t) => t.name).sort());
      expect(tools.map((t) => t.name)).toEqual(
        expect.arrayContaining(['find_spot', 'patient_timeline', 'claims_summary', 'production_report']),
      );
      for (const tool of tools) {
        expect(readme).toContain(`| [\`${tool.name}\`](docs/tools.md#${tool.name}) |`);
        expect(manifest.tools.find((t) => t.name === tool.name)?.description).toBe(tool.description);
        const section = reference.split(`<a id="${tool.name}"></a>`)[1]?.split('<a id="')[0] ?? '';
        expect(section, `docs/tools.md has a section for ${tool.name}`).toContain(`## \`${tool.name}\``);
        for (const parameter of Object.keys(tool.inputSchema.properties ?? {})) {
          expect(section, `${tool.name}.${parameter} is documented`).toContain(`| \`${parameter}\` |`);
        }
      }
    } finally {
      await connection.close();
      await sandbox.close();
    }
  });

  it('documents in the README every flag and environment variable that --help prints', () => {
    const help = execFileSync(process.execPath, [join(REPO_ROOT, 'dist', 'cli.js'), '--help'], { encoding: 'utf8' });
    const readme = read('README.md');
    const variables = [...help.matchAll(/\b(ESCAPE_[A-Z_]+)\b/g)].map((m) => m[1] as string);
    const flags = [...help.matchAll(/^\s+(--[a-z-]+)/gm)].map((m) => m[1] as string);
    expect(variables.length).toBeGreaterThan(10);
    for (const name of variables) expect(readme).toContain(`\`${name}\``);
    for (const flag of flags.filter((f) => !['--help', '--version', '--print-catalog'].includes(f))) {
      expect(readme).toContain(`\`${flag}\``);
    }
  });

  it('names every metric /metrics exports', async () => {
    const readme = read('README.md');
    const metrics = await new PrometheusMetrics({ defaultMetrics: false }).render();
    const names = [...metrics.body.matchAll(/^# TYPE (escape_mcp_\w+)/gm)].map((m) => m[1] as string);
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) expect(readme, `README lists ${name}`).toContain(name);
  });

  it('keeps the README quick start to the two commands a newcomer runs', () => {
    const readme = read('README.md');
    const quickStart = readme.split('## Quick start')[1]?.split('```sh')[1]?.split('```')[0] ?? '';
    const commands = quickStart
      .split('\n')
      .map((line) => line.replace(/#.*/, '').trim())
      .filter(Boolean);
    expect(commands).toEqual(['npm install && npm start', 'npm test']);
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toMatch(/^node dist\/cli\.js http --demo\b/);
    expect(scripts.test).toBeTruthy();
  });
});
