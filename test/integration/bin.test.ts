/**
 * The `escape-dental-mcp` bin as npm ships it: the files `npm pack` puts in the tarball (what
 * runs, not the sources), and the entry started the way npm's .bin link starts it (through a
 * symlink, from another directory). CI goes further with a real packed install
 * (scripts/ci-packed-install.sh: install the tarball, `npx escape-dental-mcp --help`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OPTIONS } from '../../src/config.js';
import { REPO_ROOT } from '../helpers/harness.js';

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
};
const entry = pkg.bin['escape-dental-mcp'] as string;
const scratch = mkdtempSync(join(tmpdir(), 'escape-bin-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the bin through a symlink, as `node_modules/.bin/escape-dental-mcp`, from an unrelated cwd. */
function runLinked(args: string[]) {
  const link = join(scratch, 'escape-dental-mcp');
  try {
    symlinkSync(join(REPO_ROOT, entry), link);
  } catch {
    // already linked by an earlier case
  }
  return spawnSync(process.execPath, [link, ...args], {
    cwd: scratch,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
  });
}

describe('the escape-dental-mcp bin', () => {
  it('is dist/cli.js, a node script', () => {
    expect(entry).toBe('dist/cli.js');
    expect(readFileSync(join(REPO_ROOT, entry), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('packs what runs and leaves the sources, tests and tooling out', () => {
    const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const files = (JSON.parse(output) as { files: { path: string }[] }[])[0]?.files.map((f) => f.path) ?? [];
    for (const needed of ['package.json', 'README.md', 'LICENSE', 'manifest.json', entry, 'dist/sandbox/index.js']) {
      expect(files).toContain(needed);
    }
    const outside = files.filter((f) => !f.startsWith('dist/') && f.includes('/'));
    expect(outside).toEqual([]);
    expect(
      files.filter((f) => /(^|\/)(src|test|scripts|bench|conformance)\//.test(f) && !f.startsWith('dist/')),
    ).toEqual([]);
  });

  it('prints its version and a --help that names every flag and environment variable', () => {
    const version = runLinked(['--version']);
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe(pkg.version);

    const help = runLinked(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: escape-dental-mcp \[stdio\|http\]/);
    for (const option of Object.values(OPTIONS)) {
      expect(help.stdout).toContain(option.env);
      if ('flag' in option) expect(help.stdout).toContain(`--${option.flag}`);
    }
  });

  it('stops with exit code 2 and a way out on a wrong command or setting', () => {
    const command = runLinked(['serve']);
    expect(command.status).toBe(2);
    expect(command.stderr).toContain('Use "stdio" (the default) or "http"');
    const setting = runLinked(['--port', 'eighty']);
    expect(setting.status).toBe(2);
    expect(setting.stderr).toContain('--port / ESCAPE_MCP_PORT');
  });
});
