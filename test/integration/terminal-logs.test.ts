/**
 * `npm start` as a newcomer sees it: `dist/cli.js http --demo` with stderr on a terminal (a
 * pseudo-terminal from util-linux `script`) prints readable log lines, only warnings and errors,
 * then the banner; with stderr on a pipe (a supervisor, a log shipper) it keeps writing JSON lines.
 * `npm run build` first.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const CLI = resolve(import.meta.dirname, '..', '..', 'dist', 'cli.js');
const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour sequences.
const ANSI = /\u001b\[[0-9;]*m/g;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
});

/** Runs `command`, returns all it wrote to `stream` once the banner's last line is there, then stops it. */
async function untilBanner(command: string, args: string[], stream: 'stdout' | 'stderr' | 'both'): Promise<string> {
  const child = spawn(command, args, {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TERM: 'xterm' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(child);
  let seen = '';
  let all = '';
  const collect = (name: 'stdout' | 'stderr') => (chunk: Buffer) => {
    all += chunk.toString('utf8');
    if (stream === 'both' || stream === name) seen += chunk.toString('utf8');
  };
  child.stdout?.on('data', collect('stdout'));
  child.stderr?.on('data', collect('stderr'));
  await new Promise<void>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no banner within 50 s:\n${all}`)), 50_000);
    const check = () => {
      if (!all.includes('Try a tool with the MCP Inspector')) return;
      clearTimeout(timer);
      done();
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', () => fail(new Error(`exited before its banner:\n${all}`)));
  });
  // Give any log line written after the banner a moment to arrive, then stop the server.
  await new Promise((done) => setTimeout(done, 300));
  const exited = new Promise((done) => child.once('exit', done));
  if (child.pid) process.kill(-child.pid, 'SIGTERM');
  await exited;
  return seen;
}

describe('logs of npm start', () => {
  it.skipIf(!hasScript)(
    'on a terminal: readable lines, warnings and errors only, then the banner',
    { timeout: 90_000 },
    async () => {
      const screen = (
        await untilBanner(
          'script',
          ['-qec', `"${process.execPath}" "${CLI}" http --demo --port 0`, '/dev/null'],
          'both',
        )
      ).replace(ANSI, '');
      const lines = screen.split(/\r?\n/);
      expect(lines.filter((line) => line.startsWith('{'))).toEqual([]);
      expect(lines.filter((line) => / (INFO|DEBUG|TRACE): /.test(line))).toEqual([]);
      expect(lines).toContainEqual(expect.stringMatching(/^\[\d\d:\d\d:\d\d\] WARN: DEMO MODE: serving the embedded/));
      const banner = lines.findIndex((line) => line.startsWith('Escape Dental MCP is serving at http://'));
      expect(banner).toBeGreaterThan(-1);
      // Above the banner: the one warning that says this is synthetic data, nothing else.
      expect(lines.slice(0, banner).filter((line) => line.trim() !== '')).toHaveLength(1);
    },
  );

  it('on a pipe: JSON lines at info, as before', { timeout: 90_000 }, async () => {
    const stderr = await untilBanner(process.execPath, [CLI, 'http', '--demo', '--port', '0'], 'stderr');
    const entries = stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(entries.map((entry) => entry.msg)).toContain('serving MCP over HTTP');
    expect(entries.find((entry) => entry.msg === 'serving MCP over HTTP')?.level).toBe(30);
  });
});
