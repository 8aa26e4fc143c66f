/**
 * Waves of upstream requests per tool call, as the built server sends them: the server over stdio
 * talks to the sandbox through a timestamping proxy (bench/lib/upstream-proxy.ts), the sandbox
 * answering every API request in 25 ms so that what is in flight together is unmistakable. For
 * each read tool: one warm call, then one call whose requests are counted and grouped into waves
 * (a request sent after an answer of the call came back starts a new wave).
 *
 *   node --import tsx bench/waves.ts      # after npm run build
 */
import { fileURLToPath } from 'node:url';
import { SandboxControl } from '../src/sandbox/control.js';
import { benchCalls, type PracticeFixture } from './lib/cases.js';
import { CLI, serverEnv, startSandboxProcess } from './lib/stats.js';
import { spawnStdio } from './lib/stdio-client.js';
import { countWaves, epochNow, startUpstreamProxy } from './lib/upstream-proxy.js';

export interface WavesResult {
  latencyMs: number;
  rows: { tool: string; requests: number; waves: number }[];
}

export async function runWaves(): Promise<WavesResult> {
  const latencyMs = 25;
  const sandbox = await startSandboxProcess();
  const proxy = await startUpstreamProxy(sandbox.url);
  const server = spawnStdio(process.execPath, [CLI], serverEnv({ url: proxy.url, token: sandbox.token }));
  const control = new SandboxControl(sandbox.url);
  const rows: WavesResult['rows'] = [];
  try {
    await server.handshake();
    await control.setFaults({ path: '^/api/', latencyMs });
    for (const call of benchCalls(sandbox.fixtures.practices.la as PracticeFixture)) {
      const once = async () => {
        const response = await server.request('tools/call', { name: call.name, arguments: call.args });
        if (response.error || response.result?.isError) {
          throw new Error(`${call.name}: ${JSON.stringify(response.error ?? response.result?.content).slice(0, 300)}`);
        }
      };
      await once();
      const from = epochNow();
      await once();
      const to = epochNow();
      const requests = proxy.log.filter((x) => x.path.startsWith('/api/') && x.sentAt >= from && x.answeredAt <= to);
      rows.push({ tool: call.name, requests: requests.length, waves: countWaves(requests) });
    }
  } finally {
    await control.clearFaults().catch(() => undefined);
    await server.close();
    await proxy.close();
    await sandbox.close();
  }
  return { latencyMs, rows };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await runWaves();
  for (const row of r.rows) process.stdout.write(`${row.tool}: ${row.requests} requests in ${row.waves} wave(s)\n`);
}
