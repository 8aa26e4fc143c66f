/**
 * Sandbox latency benchmark: find-spot over 30 days and the main list endpoints at default scale
 * (sequential requests over real HTTP, p50/p99 after warm-up), plus large-scale generation time
 * and find-spot at large scale. Prints a markdown table and writes bench/results/sandbox.json.
 *
 *   node --import tsx bench/sandbox.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { type RunningSandbox, startSandbox } from '../src/sandbox/index.js';
import { generateDataset } from '../src/sandbox/seed/generate.js';

const NOW = '2026-02-20T17:00:00Z';

export interface BenchCase {
  name: string;
  scale: 'default' | 'large';
  requests: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  target?: string;
  pass?: boolean;
}

export interface SandboxBenchResult {
  node: string;
  startedAt: string;
  /** First generation in a fresh process (includes JIT warm-up), then a warm one, with the warm phase split. */
  defaultGenerationMs: number;
  defaultGenerationWarmMs: number;
  defaultGenerationPhasesMs: Record<string, number>;
  largeGenerationMs: number | null;
  largeCounts: { patients: number; appointments: number } | null;
  cases: BenchCase[];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

const round = (n: number) => Math.round(n * 100) / 100;

async function measure(
  sb: RunningSandbox,
  dispatcher: Agent,
  name: string,
  scale: 'default' | 'large',
  paths: string[],
  options: { requests: number; warmup: number; targetMs?: number },
): Promise<BenchCase> {
  const token = sb.credentials.service.access;
  const hit = async (path: string) => {
    const res = await request(`${sb.url}${path}`, { headers: { authorization: `Bearer ${token}` }, dispatcher });
    const body = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${name}: ${res.statusCode} ${body.slice(0, 200)}`);
  };
  for (let i = 0; i < options.warmup; i++) await hit(paths[i % paths.length] as string);
  const times: number[] = [];
  for (let i = 0; i < options.requests; i++) {
    const t0 = performance.now();
    await hit(paths[i % paths.length] as string);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const p50 = percentile(times, 50);
  return {
    name,
    scale,
    requests: options.requests,
    p50Ms: round(p50),
    p99Ms: round(percentile(times, 99)),
    meanMs: round(times.reduce((s, t) => s + t, 0) / times.length),
    ...(options.targetMs !== undefined ? { target: `p50 < ${options.targetMs} ms`, pass: p50 < options.targetMs } : {}),
  };
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export async function runSandboxBench(
  options: { requests?: number; warmup?: number; large?: boolean } = {},
): Promise<SandboxBenchResult> {
  const requests = options.requests ?? 200;
  const warmup = options.warmup ?? 30;
  const dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: 1 });
  const cases: BenchCase[] = [];

  const g0 = performance.now();
  generateDataset({ seed: 'bench-gen', scale: 'default', nowMs: Date.parse(NOW) });
  const defaultGenerationMs = round(performance.now() - g0);
  const phases: Record<string, number> = {};
  const g1 = performance.now();
  generateDataset({ seed: 'bench-gen-2', scale: 'default', nowMs: Date.parse(NOW), timings: phases });
  const defaultGenerationWarmMs = round(performance.now() - g1);
  for (const k of Object.keys(phases)) phases[k] = round(phases[k] as number);

  const sb = await startSandbox({ port: 0, now: NOW });
  try {
    const la = sb.fixtures.practices.la;
    const P = `/api/v1/practice/${la.id}`;
    const today = la.today;
    const starts = Array.from({ length: 10 }, (_, i) => addDays(today, i * 3));
    cases.push(
      await measure(
        sb,
        dispatcher,
        'find-spot 30 days (max_results 20)',
        'default',
        starts.map((s) => `${P}/scheduling/find-spot/?duration_minutes=60&start_date=${s}&end_date=${addDays(s, 30)}`),
        { requests, warmup, targetMs: 20 },
      ),
    );
    cases.push(
      await measure(
        sb,
        dispatcher,
        'find-spot 30 days, full scan (max_results 50, narrow window)',
        'default',
        starts.map(
          (s) =>
            `${P}/scheduling/find-spot/?duration_minutes=90&start_date=${s}&end_date=${addDays(s, 30)}&max_results=50&availability_windows=0,2,4:07:00-07:30`,
        ),
        { requests, warmup, targetMs: 20 },
      ),
    );
    cases.push(
      await measure(
        sb,
        dispatcher,
        'appointments list (1 week, page 1 of 50)',
        'default',
        starts.map((s) => `${P}/scheduling/appointment/?from=${addDays(s, -40)}&to=${addDays(s, -34)}`),
        { requests, warmup, targetMs: 5 },
      ),
    );
    cases.push(
      await measure(
        sb,
        dispatcher,
        'patients search',
        'default',
        ['smith', 'emily', 'nguyen', 'jo', '555-01', 'garcia maria', 'lee', 'núñez'].map(
          (q) => `${P}/patient/?search=${encodeURIComponent(q)}`,
        ),
        { requests, warmup, targetMs: 5 },
      ),
    );
    cases.push(
      await measure(
        sb,
        dispatcher,
        'clinical timeline (page 1 of 50)',
        'default',
        [la.patients.timeline, la.patients.frequentNoShow, la.patients.injectionNote, ...la.patients.ambiguousName].map(
          (id) => `${P}/patient/${id}/clinical/timeline/`,
        ),
        { requests, warmup, targetMs: 5 },
      ),
    );
    cases.push(
      await measure(sb, dispatcher, 'providers list', 'default', [`${P}/provider/`], { requests, warmup, targetMs: 5 }),
    );
  } finally {
    await sb.close();
  }

  let largeGenerationMs: number | null = null;
  let largeCounts: SandboxBenchResult['largeCounts'] = null;
  if (options.large !== false) {
    const l0 = performance.now();
    const big = await startSandbox({ port: 0, now: NOW, scale: 'large', fresh: true });
    largeGenerationMs = round(performance.now() - l0);
    try {
      const data = big.store.practiceData(big.fixtures.practices.la.id);
      largeCounts = { patients: data?.patients.length ?? 0, appointments: data?.appointments.length ?? 0 };
      const la = big.fixtures.practices.la;
      const P = `/api/v1/practice/${la.id}`;
      const starts = Array.from({ length: 10 }, (_, i) => addDays(la.today, i * 3));
      const n = Math.max(50, Math.floor(requests / 2));
      cases.push(
        await measure(
          big,
          dispatcher,
          'find-spot 30 days (max_results 20)',
          'large',
          starts.map(
            (s) => `${P}/scheduling/find-spot/?duration_minutes=60&start_date=${s}&end_date=${addDays(s, 30)}`,
          ),
          { requests: n, warmup, targetMs: 20 },
        ),
      );
      cases.push(
        await measure(
          big,
          dispatcher,
          'find-spot 30 days, full scan (max_results 50, narrow window)',
          'large',
          starts.map(
            (s) =>
              `${P}/scheduling/find-spot/?duration_minutes=90&start_date=${s}&end_date=${addDays(s, 30)}&max_results=50&availability_windows=6:06:00-06:30`,
          ),
          { requests: n, warmup },
        ),
      );
      cases.push(
        await measure(
          big,
          dispatcher,
          'appointments list (1 day, page 1 of 50)',
          'large',
          starts.map((s) => `${P}/scheduling/appointment/?from=${addDays(s, -40)}&to=${addDays(s, -40)}`),
          { requests: n, warmup },
        ),
      );
      cases.push(
        await measure(
          big,
          dispatcher,
          'patients search',
          'large',
          ['smith', 'emily', 'nguyen', 'jo'].map((q) => `${P}/patient/?search=${q}`),
          {
            requests: n,
            warmup,
          },
        ),
      );
    } finally {
      await big.close();
    }
  }
  await dispatcher.close();
  return {
    node: process.version,
    startedAt: new Date().toISOString(),
    defaultGenerationMs,
    defaultGenerationWarmMs,
    defaultGenerationPhasesMs: phases,
    largeGenerationMs,
    largeCounts,
    cases,
  };
}

export function renderMarkdown(result: SandboxBenchResult): string {
  const lines = [
    '| case | scale | n | p50 ms | p99 ms | mean ms | target |',
    '|---|---|---:|---:|---:|---:|---|',
    ...result.cases.map(
      (c) =>
        `| ${c.name} | ${c.scale} | ${c.requests} | ${c.p50Ms} | ${c.p99Ms} | ${c.meanMs} | ${c.target ? `${c.target} ${c.pass ? '✓' : '✗'}` : ''} |`,
    ),
    '',
    `Default-scale generation: ${result.defaultGenerationMs} ms cold, ${result.defaultGenerationWarmMs} ms warm (${Object.entries(
      result.defaultGenerationPhasesMs,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}).`,
    result.largeGenerationMs === null
      ? ''
      : `Large-scale start (generation + server): ${result.largeGenerationMs} ms for ${result.largeCounts?.patients} patients and ${result.largeCounts?.appointments} appointments in one practice.`,
  ];
  return lines.join('\n');
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const result = await runSandboxBench();
  process.stdout.write(`${renderMarkdown(result)}\n`);
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'sandbox.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`\nwrote ${out}\n`);
}
