/** Small shared pieces of the benchmarks: percentiles, rounding, machine state, processes. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = join(BENCH_DIR, '..');
export const RESULTS_DIR = join(BENCH_DIR, 'results');
export const CLI = join(REPO_ROOT, 'dist', 'cli.js');
export const SANDBOX_CLI = join(REPO_ROOT, 'dist', 'sandbox', 'cli.js');
/** The benchmarks call claims_summary and production_report, whose toolsets are not offered by default. */
export const EVERY_TOOLSET = { ESCAPE_TOOLSETS: 'all' } as const;

/** The environment of our server against a sandbox: every toolset, audit lines written (info), as in production. */
export const serverEnv = (sandbox: { url: string; token: string }, more: Record<string, string> = {}) => ({
  ESCAPE_API_URL: sandbox.url,
  ESCAPE_API_TOKEN: sandbox.token,
  ESCAPE_LOG_LEVEL: 'info',
  ...EVERY_TOOLSET,
  ...more,
});

export const round = (n: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export interface Distribution {
  n: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  meanMs: number;
}

export function distribution(samples: readonly number[]): Distribution {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50Ms: round(percentile(sorted, 50)),
    p90Ms: round(percentile(sorted, 90)),
    p99Ms: round(percentile(sorted, 99)),
    meanMs: round(sorted.reduce((s, t) => s + t, 0) / Math.max(1, sorted.length)),
  };
}

export const median = (values: readonly number[]): number =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

export interface MachineState {
  node: string;
  cpus: number;
  /** 1-minute load average when sampled. */
  load1: number;
  load5: number;
}

export function machine(): MachineState {
  const [load1, load5] = loadavg();
  return { node: process.version, cpus: availableParallelism(), load1: round(load1 ?? 0), load5: round(load5 ?? 0) };
}

/** Resident set size of a process (Linux /proc), in MB. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? 0);
  return round(kb / 1024, 1);
}

let clockTicksPerSecond: number | undefined;

/** CPU time (user + system, all threads) a process has used so far, in ms (Linux /proc). */
export function cpuMs(pid: number): number {
  clockTicksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may itself hold ") ": state is
  // field 3, utime field 14, stime field 15 (proc(5)).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond;
}

export interface SandboxProcess {
  url: string;
  token: string;
  fixtures: { practices: Record<string, { id: string; name: string; patients: Record<string, unknown> }> };
  child: ChildProcess;
  close: () => Promise<void>;
}

/**
 * The sandbox in a process of its own (dist/sandbox/cli.js), so neither the server nor the load
 * generator shares its event loop: the upstream, as in production, is somebody else's process.
 */
export async function startSandboxProcess(args: string[] = []): Promise<SandboxProcess> {
  const child = spawn(process.execPath, [SANDBOX_CLI, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sandbox did not start: ${err}`)), 180_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited ${code}: ${err}`)));
  });
  const credentials = (await (await fetch(`${url}/__sandbox/credentials`)).json()) as {
    oauth: { service: { token: string } };
  };
  const fixtures = (await (await fetch(`${url}/__sandbox/fixtures`)).json()) as SandboxProcess['fixtures'];
  return {
    url,
    token: credentials.oauth.service.token,
    fixtures,
    child,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export function markdownTable(header: string[], rows: (string | number)[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}
