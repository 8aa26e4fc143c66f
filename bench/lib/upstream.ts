/**
 * What one tool call asks of the upstream, captured so the same requests can be sent straight to
 * the sandbox: the URLs (from the sandbox's request log) and which of them the server had in
 * flight together (from the API client's per-attempt observer, run in process against the same
 * sandbox) — the direct leg sends each such wave concurrently, as the server does.
 */
import { Writable } from 'node:stream';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { parseConfig } from '../../src/config.js';
import { createFetchHandler } from '../../src/mcp/sdk.js';
import { startRuntime } from '../../src/runtime.js';
import { SandboxControl } from '../../src/sandbox/control.js';
import { createServer } from '../../src/server.js';
import { type Metrics, noMetrics, type UpstreamObservation } from '../../src/telemetry.js';
import type { Principal } from '../../src/tenancy/types.js';
import type { Waves } from './direct.js';
import { EVERY_TOOLSET } from './stats.js';

export const discard = (): Writable =>
  new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });

const LOCAL: Principal = { id: 'bench', kind: 'local', practiceIds: 'all', scopes: 'all', readOnly: false };

/** Runs each call twice in process (warm), and returns the second call's upstream waves. */
export async function captureWaves(
  upstream: { url: string; token: string },
  calls: { name: string; args: Record<string, unknown> }[],
): Promise<Waves[]> {
  const observed: { observation: UpstreamObservation; end: number }[] = [];
  const metrics: Metrics = {
    ...noMetrics,
    upstreamRequest: (observation) => observed.push({ observation, end: performance.now() }),
  };
  const config = parseConfig([], {
    ESCAPE_API_URL: upstream.url,
    ESCAPE_API_TOKEN: upstream.token,
    ...EVERY_TOOLSET,
  });
  const runtime = await startRuntime(config, { metrics, logDestination: discard() });
  const handler = createFetchHandler(() => createServer(runtime.serverDependencies(LOCAL)).server);
  const client = new Client({ name: 'capture', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(
    new StreamableHTTPClientTransport(new URL('http://in-process.bench/mcp'), {
      fetch: (url, init) => handler.fetch(new Request(url, init)),
    }),
  );
  const control = new SandboxControl(upstream.url);
  const result: Waves[] = [];
  // A latency on every API request while capturing, so which requests overlap is unmistakable
  // (sub-millisecond answers would blur sequential requests into one wave).
  await control.setFaults({ path: '^/api/', latencyMs: 25 });
  try {
    for (const call of calls) {
      await client.callTool({ name: call.name, arguments: call.args });
      observed.length = 0;
      const since = await control.lastSeq();
      const answer = await client.callTool({ name: call.name, arguments: call.args });
      if (answer.isError) throw new Error(`${call.name} failed while capturing: ${JSON.stringify(answer.content)}`);
      const logged = (await control.requests(since)).filter((e) => e.path.startsWith('/api/'));
      if (logged.length !== observed.length) {
        throw new Error(`${call.name}: ${logged.length} logged requests but ${observed.length} observed`);
      }
      // Both lists are in completion order; pair them up and recover each request's span.
      const spans = observed.map((o, i) => ({
        start: o.end - o.observation.durationMs,
        end: o.end,
        request: {
          method: logged[i]?.method ?? 'GET',
          path: `${logged[i]?.path}${logged[i]?.query ? `?${logged[i]?.query}` : ''}`,
        },
      }));
      spans.sort((a, b) => a.start - b.start);
      const waves: Waves = [];
      let waveEnd = Number.NEGATIVE_INFINITY;
      for (const span of spans) {
        if (span.start < waveEnd && waves.length > 0) {
          waves.at(-1)?.push(span.request);
          waveEnd = Math.max(waveEnd, span.end);
        } else {
          waves.push([span.request]);
          waveEnd = span.end;
        }
      }
      result.push(waves);
    }
  } finally {
    await control.clearFaults();
    await client.close();
    await handler.close();
    await runtime.close();
  }
  return result;
}
