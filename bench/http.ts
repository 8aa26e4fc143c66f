/**
 * HTTP transport benchmark: concurrent clients calling find_spot through the MCP server over
 * real HTTP (2026-07-28 stateless requests, and a 2025 session), against the sandbox, compared
 * with the very upstream requests those calls make sent straight to the sandbox in the same run.
 * The figure is the ratio (MCP over direct) of p50, p99 and throughput: what the MCP layer
 * (auth, the per-request server, gates, validation, audit) adds on top of the API itself.
 *
 *   node --import tsx bench/http.ts            # writes bench/results/http.json
 *
 * The MCP requests are the exact bytes an SDK client sends (captured once, then replayed by a
 * plain undici pool), so client-side SDK overhead is not counted on either side.
 */
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Pool } from 'undici';
import { generateApiKey } from '../src/auth/inbound.js';
import { parseConfig } from '../src/config.js';
import { PrometheusMetrics } from '../src/metrics.js';
import { startRuntime } from '../src/runtime.js';
import { startSandbox } from '../src/sandbox/index.js';
import { startHttp } from '../src/transports/http.js';
import { startFloorServer } from './lib/floor-server.js';

export interface HttpBenchOptions {
  /** Concurrent connections per leg. */
  concurrency?: number;
  /** Requests per leg (after warm-up). */
  requests?: number;
  warmup?: number;
  /** Where to write the JSON result; undefined = do not write. */
  output?: string | undefined;
  /** Fixed latency the sandbox adds to every API response (both legs), like a real upstream. */
  upstreamLatencyMs?: number;
}

interface Leg {
  name: string;
  requests: number;
  concurrency: number;
  throughputPerSec: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  meanMs: number;
  errors: number;
}

export interface HttpBenchResult {
  node: string;
  cpus: number;
  startedAt: string;
  tool: 'find_spot';
  arguments: Record<string, unknown>;
  upstreamRequestsPerCall: { method: string; path: string }[];
  legs: Leg[];
  /** MCP leg over the direct leg: latency ratios (>1 = slower) and throughput ratio (<1 = fewer per second). */
  ratios: Record<string, { p50: number; p99: number; throughput: number }>;
}

interface PreparedRequest {
  path: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** The body of the n-th request (JSON-RPC ids must differ within a 2025 session). */
  body?: (n: number) => string;
  /** Throws when the answer is not a success (an HTTP error or an isError tool result). */
  check: (status: number, body: string) => void;
}

/** The floor leg's name (bench/lib/floor-server.ts): a reference, not a target of ours. */
export const FLOOR_LEG = 'floor: minimal server on the same SDK, same upstream requests';

const round = (n: number) => Math.round(n * 100) / 100;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

/** `concurrency` workers over one keep-alive pool, issuing `total` requests between them. */
async function runLeg(
  name: string,
  origin: string,
  prepared: PreparedRequest[],
  options: { concurrency: number; requests: number; warmup: number },
): Promise<Leg> {
  const pool = new Pool(origin, { connections: options.concurrency, pipelining: 1 });
  let errors = 0;
  let sequence = 0;
  const one = async (index: number): Promise<number> => {
    const req = prepared[index % prepared.length] as PreparedRequest;
    sequence += 1;
    const body = req.body?.(sequence);
    const started = performance.now();
    const res = await pool.request({
      path: req.path,
      method: req.method,
      headers: req.headers,
      ...(body !== undefined ? { body } : {}),
    });
    const text = await res.body.text();
    const elapsed = performance.now() - started;
    try {
      req.check(res.statusCode, text);
    } catch {
      errors += 1;
    }
    return elapsed;
  };
  const drive = async (total: number, record: number[] | undefined) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < total) {
          const index = next;
          next += 1;
          const elapsed = await one(index);
          record?.push(elapsed);
        }
      }),
    );
  };
  await drive(options.warmup, undefined);
  errors = 0;
  const times: number[] = [];
  const started = performance.now();
  await drive(options.requests, times);
  const wallMs = performance.now() - started;
  await pool.close();
  times.sort((a, b) => a - b);
  return {
    name,
    requests: options.requests,
    concurrency: options.concurrency,
    throughputPerSec: round((options.requests / wallMs) * 1000),
    p50Ms: round(percentile(times, 50)),
    p90Ms: round(percentile(times, 90)),
    p99Ms: round(percentile(times, 99)),
    meanMs: round(times.reduce((sum, t) => sum + t, 0) / times.length),
    errors,
  };
}

function resultOf(body: string): { isError?: boolean; structuredContent?: { slots?: unknown[] } } {
  // JSON, or one SSE "data:" frame when the answer was streamed.
  const json = body.trimStart().startsWith('{') ? body : (/^data: (.*)$/m.exec(body)?.[1] ?? '{}');
  const message = JSON.parse(json) as { result?: { isError?: boolean; structuredContent?: { slots?: unknown[] } } };
  if (!message.result) throw new Error(`no result: ${body.slice(0, 200)}`);
  return message.result;
}

const checkToolCall = (status: number, body: string) => {
  if (status !== 200) throw new Error(`HTTP ${status}`);
  const result = resultOf(body);
  if (result.isError || !result.structuredContent?.slots?.length) throw new Error('tool error');
};

export async function runHttpBench(options: HttpBenchOptions = {}): Promise<HttpBenchResult> {
  const concurrency = options.concurrency ?? 16;
  const requests = options.requests ?? 1000;
  const warmup = options.warmup ?? 100;

  const sandbox = await startSandbox({
    port: 0,
    ...(options.upstreamLatencyMs ? { faults: { rules: [{ latencyMs: options.upstreamLatencyMs }] } } : {}),
  });
  const { key, sha256 } = generateApiKey();
  const keysFile = join(dirname(fileURLToPath(import.meta.url)), 'results', `.bench-keys-${process.pid}.tmp`);
  mkdirSync(dirname(keysFile), { recursive: true });
  writeFileSync(
    keysFile,
    JSON.stringify({
      keys: [{ id: 'bench', sha256, practices: 'all', scopes: ['scheduling:read'], readOnly: true }],
    }),
  );
  const config = parseConfig(['http', '--port', '0', '--api-keys-file', keysFile, '--log-level', 'info'], {
    ESCAPE_API_URL: sandbox.url,
    ESCAPE_API_TOKEN: sandbox.credentials.oauth.service.token,
  });
  const metrics = new PrometheusMetrics({ defaultMetrics: false });
  // Audit lines are written as in production, to a sink that costs what a file costs.
  const runtime = await startRuntime(config, { metrics, logDestination: createWriteStream('/dev/null') });
  const http = await startHttp(runtime, { metrics });
  const la = sandbox.fixtures.practices.la;
  const args = { practice: la.name, duration_minutes: 60, max_results: 10 };

  try {
    // Capture the bytes an SDK client sends for one tools/call in each era.
    const captured: { era: string; headers: Record<string, string>; body: string }[] = [];
    let sessionId: string | undefined;
    const capture = (era: string) => async (url: string | URL, init?: RequestInit) => {
      const body = typeof init?.body === 'string' ? init.body : '';
      if (body.includes('"tools/call"')) {
        captured.push({ era, headers: Object.fromEntries(new Headers(init?.headers).entries()), body });
      }
      const response = await fetch(url, init);
      sessionId ??= response.headers.get('mcp-session-id') ?? undefined;
      return response;
    };
    const modern = new Client({ name: 'bench', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await modern.connect(
      new StreamableHTTPClientTransport(new URL(http.mcpUrl), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
        fetch: capture('modern'),
      }),
    );
    const legacy = new Client({ name: 'bench', version: '1' });
    await legacy.connect(
      new StreamableHTTPClientTransport(new URL(http.mcpUrl), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
        fetch: capture('legacy'),
      }),
    );

    // A warm call first: what a steady-state call asks upstream is what the direct leg replays.
    await modern.callTool({ name: 'find_spot', arguments: args });
    const mark = await sandbox.control.lastSeq();
    const first = await modern.callTool({ name: 'find_spot', arguments: args });
    if (first.isError) throw new Error(`find_spot failed before the benchmark: ${JSON.stringify(first.content)}`);
    const upstream = (await sandbox.control.requests(mark)).map((entry) => ({
      method: entry.method,
      path: `${entry.path}${entry.query ? `?${entry.query}` : ''}`,
    }));
    await legacy.callTool({ name: 'find_spot', arguments: args });

    const mcpPath = new URL(http.mcpUrl).pathname;
    const replay = (era: string): PreparedRequest => {
      const call = captured.find((c) => c.era === era);
      if (!call) throw new Error(`no ${era} tools/call captured`);
      const message = JSON.parse(call.body) as Record<string, unknown>;
      return {
        path: mcpPath,
        method: 'POST',
        headers: call.headers,
        body: (n) => JSON.stringify({ ...message, id: 1_000_000 + n }),
        check: checkToolCall,
      };
    };
    const direct: PreparedRequest[] = upstream.map((u) => ({
      path: u.path,
      method: u.method as 'GET',
      headers: { authorization: `Bearer ${sandbox.credentials.oauth.service.token}` },
      check: (status) => {
        if (status !== 200) throw new Error(`HTTP ${status}`);
      },
    }));
    const legOptions = { concurrency, requests, warmup };
    const sandboxOrigin = new URL(sandbox.url).origin;
    const mcpOrigin = new URL(http.mcpUrl).origin;

    const legs: Leg[] = [];
    // The direct leg sends each call's upstream requests as one unit of work, like the server.
    legs.push(
      await runLegOfUnits('direct: the same upstream requests to the sandbox', sandboxOrigin, direct, legOptions),
    );
    legs.push(
      await runLeg('MCP 2026-07-28 (stateless, per-request server)', mcpOrigin, [replay('modern')], legOptions),
    );
    const legacyCall = replay('legacy');
    if (sessionId) legacyCall.headers['mcp-session-id'] = sessionId;
    legs.push(await runLeg('MCP 2025-11-25 session', mcpOrigin, [legacyCall], legOptions));
    // The floor: the same 2026-07-28 bytes to the thinnest server this SDK allows (see floor-server.ts).
    const floor = await startFloorServer({
      upstreamOrigin: sandboxOrigin,
      token: sandbox.credentials.oauth.service.token,
      // One after another, as the direct leg sends them.
      tools: [{ name: 'find_spot', waves: upstream.map((request) => [request]) }],
    });
    try {
      const floorUrl = new URL(floor.mcpUrl);
      const floorCall = { ...replay('modern'), path: floorUrl.pathname };
      legs.push(await runLeg(FLOOR_LEG, floorUrl.origin, [floorCall], legOptions));
    } finally {
      await floor.close();
    }

    const base = legs[0] as Leg;
    const ratios: HttpBenchResult['ratios'] = {};
    for (const leg of legs.slice(1)) {
      ratios[leg.name] = {
        p50: round(leg.p50Ms / base.p50Ms),
        p99: round(leg.p99Ms / base.p99Ms),
        throughput: round(leg.throughputPerSec / base.throughputPerSec),
      };
    }
    await modern.close();
    await legacy.close();

    const result: HttpBenchResult = {
      node: process.version,
      cpus: availableParallelism(),
      startedAt: new Date().toISOString(),
      tool: 'find_spot',
      arguments: args,
      upstreamRequestsPerCall: upstream,
      legs,
      ratios,
    };
    if (options.output) {
      mkdirSync(dirname(options.output), { recursive: true });
      writeFileSync(options.output, `${JSON.stringify(result, null, 2)}\n`);
    }
    return result;
  } finally {
    await http.close();
    await runtime.close();
    await sandbox.close();
    const { rmSync } = await import('node:fs');
    rmSync(keysFile, { force: true });
  }
}

/** The direct leg: one unit = every upstream request of one tool call, in order. */
async function runLegOfUnits(
  name: string,
  origin: string,
  unit: PreparedRequest[],
  options: { concurrency: number; requests: number; warmup: number },
): Promise<Leg> {
  if (unit.length === 1) return runLeg(name, origin, unit, options);
  // Several requests per call: one unit is all of them in order, timed together.
  const pool = new Pool(origin, { connections: options.concurrency });
  const chained = async () => {
    for (const req of unit) {
      const res = await pool.request({ path: req.path, method: req.method, headers: req.headers });
      await res.body.text();
      req.check(res.statusCode, '');
    }
  };
  let errors = 0;
  const times: number[] = [];
  const drive = async (total: number, record: boolean) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < total) {
          next += 1;
          const started = performance.now();
          try {
            await chained();
          } catch {
            errors += 1;
          }
          if (record) times.push(performance.now() - started);
        }
      }),
    );
  };
  await drive(options.warmup, false);
  errors = 0;
  const started = performance.now();
  await drive(options.requests, true);
  const wallMs = performance.now() - started;
  await pool.close();
  times.sort((a, b) => a - b);
  return {
    name,
    requests: options.requests,
    concurrency: options.concurrency,
    throughputPerSec: round((options.requests / wallMs) * 1000),
    p50Ms: round(percentile(times, 50)),
    p90Ms: round(percentile(times, 90)),
    p99Ms: round(percentile(times, 99)),
    meanMs: round(times.reduce((sum, t) => sum + t, 0) / times.length),
    errors,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const output = join(dirname(fileURLToPath(import.meta.url)), 'results', 'http.json');
  const result = await runHttpBench({ output });
  const rows = result.legs.map(
    (leg) =>
      `| ${leg.name} | ${leg.concurrency} | ${leg.throughputPerSec} | ${leg.p50Ms} | ${leg.p99Ms} | ${leg.errors} |`,
  );
  process.stdout.write(
    [
      `find_spot over HTTP, ${result.upstreamRequestsPerCall.length} upstream request(s) per call, Node ${result.node}, ${result.cpus} CPUs`,
      '',
      '| leg | concurrency | req/s | p50 ms | p99 ms | errors |',
      '|---|---|---|---|---|---|',
      ...rows,
      '',
      ...Object.entries(result.ratios).map(
        ([leg, r]) => `${leg}: p50 ×${r.p50}, p99 ×${r.p99}, throughput ×${r.throughput} of direct`,
      ),
      `written to ${output}`,
      '',
    ].join('\n'),
  );
}
