/**
 * Scale: find_spot, patient_timeline and production_report over stdio against the default
 * sandbox and the large one (`--scale large`: Los Angeles with 10k+ patients and 200k+
 * appointments), each next to the same upstream requests sent directly; how the cost grows from
 * default to large. Sandbox and server each in their own process; sequential calls.
 *
 *   node --import tsx bench/scale.ts      # after npm run build (the large sandbox takes ~30 s to generate)
 */
import { fileURLToPath } from 'node:url';
import { benchCalls, type PracticeFixture } from './lib/cases.js';
import { directSender } from './lib/direct.js';
import { CLI, type Distribution, distribution, machine, round, serverEnv, startSandboxProcess } from './lib/stats.js';
import { spawnStdio } from './lib/stdio-client.js';
import { captureWaves } from './lib/upstream.js';

const TOOLS = ['find_spot', 'patient_timeline', 'production_report'] as const;

export interface ScaleRow {
  tool: string;
  scale: 'default' | 'large';
  upstreamRequests: number;
  mcp: Distribution;
  direct: Distribution;
  /** Answer size (characters of the JSON-RPC result). */
  resultChars: number;
}

export interface ScaleResult {
  machineBefore: ReturnType<typeof machine>;
  machineAfter: ReturnType<typeof machine>;
  counts: Record<string, { patients: number; appointments: number }>;
  rows: ScaleRow[];
  /** large ÷ default, MCP p50, per tool. */
  growth: Record<string, { mcpP50: number; directP50: number }>;
}

async function measureScale(
  scale: 'default' | 'large',
  samples: number,
): Promise<{ rows: ScaleRow[]; counts: { patients: number; appointments: number } }> {
  const sandbox = await startSandboxProcess(['--scale', scale]);
  const la = sandbox.fixtures.practices.la as PracticeFixture;
  const calls = benchCalls(la).filter((c) => (TOOLS as readonly string[]).includes(c.name));
  const server = spawnStdio(
    process.execPath,
    [CLI],
    serverEnv(sandbox, { ESCAPE_TOOL_TIMEOUT_MS: '120000', ESCAPE_REQUEST_TIMEOUT_MS: '60000' }),
  );
  const direct = directSender(sandbox.url, sandbox.token);
  const rows: ScaleRow[] = [];
  try {
    await server.handshake();
    const waves = await captureWaves({ url: sandbox.url, token: sandbox.token }, calls);
    for (const [index, call] of calls.entries()) {
      const mcpTimes: number[] = [];
      const directTimes: number[] = [];
      let resultChars = 0;
      for (let i = 0; i < samples + 3; i += 1) {
        const t0 = performance.now();
        const response = await server.request('tools/call', { name: call.name, arguments: call.args });
        const elapsed = performance.now() - t0;
        if (response.error || response.result?.isError) {
          throw new Error(
            `${scale} ${call.name}: ${JSON.stringify(response.error ?? response.result?.content).slice(0, 300)}`,
          );
        }
        resultChars = JSON.stringify(response.result).length;
        const t1 = performance.now();
        await direct.send(waves[index] ?? []);
        const directElapsed = performance.now() - t1;
        if (i >= 3) {
          mcpTimes.push(elapsed);
          directTimes.push(directElapsed);
        }
      }
      rows.push({
        tool: call.name,
        scale,
        upstreamRequests: (waves[index] ?? []).flat().length,
        mcp: distribution(mcpTimes),
        direct: distribution(directTimes),
        resultChars,
      });
    }
    const fixtures = (await (
      await fetch(`${sandbox.url}/api/v1/practice/${la.id}/patient/?page_size=1`, {
        headers: { authorization: `Bearer ${sandbox.token}` },
      })
    ).json()) as { count?: number };
    const appointments = (await (
      await fetch(
        `${sandbox.url}/api/v1/practice/${la.id}/scheduling/appointment/?page_size=1&from=2000-01-01&to=2100-01-01`,
        {
          headers: { authorization: `Bearer ${sandbox.token}` },
        },
      )
    ).json()) as { count?: number };
    return { rows, counts: { patients: fixtures.count ?? 0, appointments: appointments.count ?? 0 } };
  } finally {
    await direct.close();
    await server.close();
    await sandbox.close();
  }
}

export async function runScale(options: { samples?: number } = {}): Promise<ScaleResult> {
  const samples = options.samples ?? 30;
  const machineBefore = machine();
  const small = await measureScale('default', samples);
  const large = await measureScale('large', samples);
  const growth: ScaleResult['growth'] = {};
  for (const tool of TOOLS) {
    const a = small.rows.find((r) => r.tool === tool);
    const b = large.rows.find((r) => r.tool === tool);
    if (a && b) {
      growth[tool] = {
        mcpP50: round(b.mcp.p50Ms / a.mcp.p50Ms),
        directP50: round(b.direct.p50Ms / a.direct.p50Ms),
      };
    }
  }
  return {
    machineBefore,
    machineAfter: machine(),
    counts: { default: small.counts, large: large.counts },
    rows: [...small.rows, ...large.rows],
    growth,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await runScale();
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
