/**
 * Token footprint in the model's context, estimated as characters ÷ 4: the `tools/list` answer
 * (every tool the local operator sees, schemas included) and each read tool's default result
 * (the text summary and the structured content), over stdio against the default sandbox.
 *
 *   node --import tsx bench/tokens.ts      # after npm run build
 */
import { fileURLToPath } from 'node:url';
import type { PracticeFixture } from './lib/cases.js';
import { CLI, machine, startSandboxProcess } from './lib/stats.js';
import { spawnStdio } from './lib/stdio-client.js';

export interface TokensResult {
  machine: ReturnType<typeof machine>;
  toolsList: { tools: number; chars: number; tokens: number; perTool: { name: string; tokens: number }[] };
  results: {
    tool: string;
    args: Record<string, unknown>;
    textTokens: number;
    structuredTokens: number;
    totalTokens: number;
  }[];
}

const tokens = (chars: number) => Math.ceil(chars / 4);

export async function runTokens(): Promise<TokensResult> {
  const sandbox = await startSandboxProcess();
  const la = sandbox.fixtures.practices.la as PracticeFixture;
  // Pinned to one practice, as a desktop install for one practice is (no "practice" argument).
  const server = spawnStdio(process.execPath, [CLI], {
    ESCAPE_API_URL: sandbox.url,
    ESCAPE_API_TOKEN: sandbox.token,
    ESCAPE_PRACTICE: la.id,
  });
  try {
    await server.handshake();
    const list = await server.request('tools/list', {});
    const tools = (list.result?.tools ?? []) as { name: string }[];
    const defaults: [string, Record<string, unknown>][] = [
      ['find_spot', { duration_minutes: 60 }],
      ['patient_timeline', { patient_id: la.patients.timeline }],
      ['claims_summary', {}],
      ['production_report', { period: 'last_month' }],
      ['find_patient', { name: 'Smith' }],
    ];
    const results: TokensResult['results'] = [];
    for (const [name, args] of defaults) {
      if (!tools.some((t) => t.name === name)) continue;
      const response = await server.request('tools/call', { name, arguments: args });
      const result = response.result as {
        content?: { text?: string }[];
        structuredContent?: unknown;
        isError?: boolean;
      };
      if (result?.isError) throw new Error(`${name}: ${JSON.stringify(result.content).slice(0, 200)}`);
      const text = (result.content ?? []).map((c) => c.text ?? '').join('\n');
      const structured = JSON.stringify(result.structuredContent ?? null);
      results.push({
        tool: name,
        args,
        textTokens: tokens(text.length),
        structuredTokens: tokens(structured.length),
        totalTokens: tokens(JSON.stringify(result).length),
      });
    }
    const chars = JSON.stringify(list.result).length;
    return {
      machine: machine(),
      toolsList: {
        tools: tools.length,
        chars,
        tokens: tokens(chars),
        perTool: tools.map((t) => ({ name: t.name, tokens: tokens(JSON.stringify(t).length) })),
      },
      results,
    };
  } finally {
    await server.close();
    await sandbox.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${JSON.stringify(await runTokens(), null, 2)}\n`);
}
