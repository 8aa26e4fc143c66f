/**
 * The built server over HTTP in a process of its own (`dist/cli.js http`, an operator API key),
 * against a sandbox process: what the load and memory benchmarks drive. Also the exact bytes an
 * SDK client sends for a tools/call, captured once so a plain undici pool can replay them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Pool } from 'undici';
import { generateApiKey } from '../../src/auth/inbound.js';
import { bundledFloor } from './floor-bundle.js';
import type { FloorOptions } from './floor-server.js';
import { CLI, cpuMs, distribution, EVERY_TOOLSET, round, rssMb } from './stats.js';

export interface HttpServerProcess {
  url: string;
  mcpUrl: string;
  key: string;
  child: ChildProcess;
  close: () => Promise<void>;
}

export interface ServerProcessOptions {
  /** The API key the load sends (one for several replicas); a fresh one when absent. */
  apiKey?: { key: string; sha256: string };
  /** More environment for the server (ESCAPE_STATE_SECRET for replicas). */
  env?: Record<string, string>;
}

export async function startHttpServerProcess(
  upstream: { url: string; token: string },
  nodeFlags: string[] = [],
  serverArgs: string[] = [],
  options: ServerProcessOptions = {},
): Promise<HttpServerProcess> {
  const { key, sha256 } = options.apiKey ?? generateApiKey();
  const keysFile = join(
    tmpdir(),
    `bench-keys-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`,
  );
  writeFileSync(
    keysFile,
    JSON.stringify({
      keys: [
        {
          id: 'bench',
          sha256,
          practices: 'all',
          scopes: ['scheduling:read', 'patients:read', 'insurance:read', 'reports:read'],
          readOnly: true,
        },
      ],
    }),
  );
  const served = await spawnServing(
    process.execPath,
    [...nodeFlags, CLI, 'http', '--port', '0', '--api-keys-file', keysFile, '--log-level', 'info', ...serverArgs],
    { ESCAPE_API_URL: upstream.url, ESCAPE_API_TOKEN: upstream.token, ...EVERY_TOOLSET, ...options.env },
  );
  return {
    ...served,
    key,
    close: async () => {
      rmSync(keysFile, { force: true });
      await served.close();
    },
  };
}

/** The floor over HTTP in its own process (floor-http-process.ts); it takes no key. */
export async function startFloorHttpProcess(
  floor: FloorOptions,
  nodeFlags: string[] = [],
  env: Record<string, string> = {},
): Promise<HttpServerProcess> {
  const served = await spawnServing(process.execPath, [...nodeFlags, await bundledFloor('floor-http-process')], {
    BENCH_FLOOR: JSON.stringify(floor),
    ...env,
  });
  return { ...served, key: '' };
}

/** Spawns a server that prints `serving at <url>` on stdout once listening; its logs are read and dropped. */
async function spawnServing(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<Omit<HttpServerProcess, 'key'>> {
  const child = spawn(command, args, {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Logs (audit lines included) are read and dropped, as a log shipper would.
  child.stderr?.resume();
  let out = '';
  const mcpUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`HTTP server did not start: ${out}`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const match = /serving at (http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    child.once('exit', (code) => reject(new Error(`HTTP server exited ${code}: ${out}`)));
  });
  return {
    url: new URL(mcpUrl).origin,
    mcpUrl,
    child,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

export interface CapturedCall {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** The bytes a 2026-07-28 SDK client sends for each of these calls (one warm call each). */
export async function captureCalls(
  server: HttpServerProcess,
  calls: { name: string; args: Record<string, unknown> }[],
): Promise<CapturedCall[]> {
  const captured: CapturedCall[] = [];
  const client = new Client({ name: 'bench', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(server.mcpUrl), {
      requestInit: { headers: { authorization: `Bearer ${server.key}` } },
      fetch: async (url, init) => {
        const body = typeof init?.body === 'string' ? init.body : '';
        if (body.includes('"tools/call"')) {
          captured.push({
            path: new URL(String(url)).pathname,
            headers: Object.fromEntries(new Headers(init?.headers).entries()),
            body,
          });
        }
        return fetch(url, init);
      },
    }),
  );
  for (const call of calls) {
    const result = await client.callTool({ name: call.name, arguments: call.args });
    if (result.isError) throw new Error(`${call.name}: ${JSON.stringify(result.content).slice(0, 300)}`);
  }
  await client.close();
  return captured;
}

export interface LoadRequest {
  path: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** True when the answer is a success (HTTP 200, no JSON-RPC or tool error). */
  ok: (status: number, body: string) => boolean;
}

export interface LoadResult {
  concurrency: number;
  seconds: number;
  requests: number;
  throughputPerSec: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

export const mcpOk = (status: number, body: string): boolean =>
  status === 200 && !body.includes('"isError":true') && !/"error"\s*:\s*\{/.test(body.slice(0, 200));

/**
 * `concurrency` clients over keep-alive connections, each sending `pick(i)` back to back for
 * `seconds`; `onTick` runs every second (memory sampling). With several origins (replicas behind
 * a round-robin balancer) the i-th unit goes to origin i mod their number.
 */
export async function runLoad(
  origin: string | string[],
  pick: (i: number) => LoadRequest | LoadRequest[],
  options: { concurrency: number; seconds: number; onTick?: () => void },
): Promise<LoadResult> {
  const pools = (Array.isArray(origin) ? origin : [origin]).map(
    (o) => new Pool(o, { connections: options.concurrency, pipelining: 1 }),
  );
  const times: number[] = [];
  let errors = 0;
  let next = 0;
  const deadline = performance.now() + options.seconds * 1000;
  const ticker = options.onTick ? setInterval(options.onTick, 1000) : undefined;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < deadline) {
        const i = next++;
        const unit = pick(i);
        const pool = pools[i % pools.length] as Pool;
        const t0 = performance.now();
        try {
          for (const req of Array.isArray(unit) ? unit : [unit]) {
            const res = await pool.request({
              path: req.path,
              method: req.method,
              headers: req.headers,
              ...(req.body !== undefined ? { body: req.body } : {}),
            });
            const text = await res.body.text();
            if (!req.ok(res.statusCode, text)) errors += 1;
          }
        } catch {
          errors += 1;
        }
        times.push(performance.now() - t0);
      }
    }),
  );
  const wall = (performance.now() - started) / 1000;
  if (ticker) clearInterval(ticker);
  await Promise.all(pools.map((pool) => pool.close()));
  const d = distribution(times);
  return {
    concurrency: options.concurrency,
    seconds: round(wall, 1),
    requests: times.length,
    throughputPerSec: round(times.length / wall, 1),
    errors,
    p50Ms: d.p50Ms,
    p99Ms: d.p99Ms,
  };
}

/** A captured tools/call, replayed as a load request (success: mcpOk). */
export const replayOf = (call: CapturedCall): LoadRequest => ({
  path: call.path,
  method: 'POST',
  headers: call.headers,
  body: call.body,
  ok: mcpOk,
});

/**
 * `concurrency` clients on one request against a server process, after a warm-up (3 s unless
 * told): the load's figures, the process's largest RSS (sampled every second) and its CPU time
 * per answered call.
 */
export async function loadServerProcess(
  server: Pick<HttpServerProcess, 'url' | 'child'>,
  request: LoadRequest,
  options: { concurrency: number; seconds: number; warmupSeconds?: number },
): Promise<{ load: LoadResult; maxRssMb: number; serverCpuMsPerCall: number }> {
  const pid = server.child.pid as number;
  await runLoad(server.url, () => request, { concurrency: options.concurrency, seconds: options.warmupSeconds ?? 3 });
  let maxRssMb = 0;
  const cpuBefore = cpuMs(pid);
  const load = await runLoad(server.url, () => request, {
    concurrency: options.concurrency,
    seconds: options.seconds,
    onTick: () => {
      maxRssMb = Math.max(maxRssMb, rssMb(pid));
    },
  });
  const serverCpuMsPerCall = round((cpuMs(pid) - cpuBefore) / Math.max(1, load.requests), 2);
  return { load, maxRssMb, serverCpuMsPerCall };
}
