/**
 * Wire snapshots of the catalog: test/__toolsnaps__/<tool>.json holds exactly what tools/list
 * sends for that tool, as a real MCP client received it from the real server (assembled
 * in-process, reading the sandbox over HTTP), with its size in tokens. The listing is taken with
 * one practice pinned (--practice; New York, where no gate hides a tool), so no tool carries the `practice` argument: its text names
 * the practices of a deployment and is the same on every tool.
 *
 * Tokens are counted with gpt-tokenizer's o200k_base encoding over the compact JSON, the form a
 * client hands a model; other models' tokenizers differ by a little, so the figure is for
 * comparing tools and changes, not a bill.
 *
 *   npx tsx test/helpers/toolsnaps.ts            exit 1 and say which snapshots are missing or stale
 *   npx tsx test/helpers/toolsnaps.ts --update   rewrite them (npm run toolsnaps does the same)
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { parseConfig } from '../../src/config.js';
import { createFetchHandler } from '../../src/mcp/sdk.js';
import { startRuntime } from '../../src/runtime.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { createServer } from '../../src/server.js';
import type { Principal } from '../../src/tenancy/types.js';

export const TOOLSNAPS_DIR = resolve(import.meta.dirname, '..', '__toolsnaps__');
export const UPDATE_COMMAND = 'npm run toolsnaps';

export type WireTool = Record<string, unknown> & { name: string };

const OPERATOR: Principal = { id: 'toolsnaps', kind: 'local', practiceIds: 'all', scopes: 'all', readOnly: false };

/** Every tool as tools/list sent it: the raw JSON-RPC result, read before the client parses it. */
export async function listedTools(era: 'modern' | 'legacy' = 'modern'): Promise<WireTool[]> {
  const sandbox = await startSandbox({ port: 0 });
  try {
    const config = parseConfig(['--practice', sandbox.fixtures.practices.ny.id, '--log-level', 'silent'], {
      ESCAPE_API_URL: sandbox.url,
      ESCAPE_API_TOKEN: sandbox.credentials.oauth.service.token,
      ESCAPE_TOOLSETS: 'all',
    });
    const runtime = await startRuntime(config);
    const handler = createFetchHandler(() => createServer(runtime.serverDependencies(OPERATOR)).server);
    const client = new Client(
      { name: 'toolsnaps', version: '1.0.0' },
      era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
    );
    const transport = new StreamableHTTPClientTransport(new URL('http://in-process.test/mcp'), {
      fetch: (url, init) => handler.fetch(new Request(url, init)),
    });
    try {
      await client.connect(transport);
      const sent: WireTool[] = [];
      const received = transport.onmessage;
      transport.onmessage = (message, ...rest) => {
        const result = (message as { result?: { tools?: unknown } }).result;
        if (Array.isArray(result?.tools)) sent.push(...(structuredClone(result.tools) as WireTool[]));
        received?.(message, ...rest);
      };
      let cursor: string | undefined;
      do {
        cursor = (await client.listTools(cursor ? { cursor } : {})).nextCursor;
      } while (cursor);
      return sent;
    } finally {
      await client.close();
      await handler.close();
      await runtime.close();
    }
  } finally {
    await sandbox.close();
  }
}

/** The snapshot file's text for one listed tool. */
export function snapshotText(tool: WireTool): string {
  return `${JSON.stringify({ tokens: countTokens(JSON.stringify(tool)), tool }, null, 2)}\n`;
}

export const snapshotFile = (name: string, dir = TOOLSNAPS_DIR) => join(dir, `${name}.json`);

/** What is wrong with the snapshots in `dir` against the listing, each saying what to do. */
export function toolsnapProblems(listed: readonly WireTool[], dir = TOOLSNAPS_DIR): string[] {
  const problems: string[] = [];
  const names = new Set(listed.map((tool) => tool.name));
  for (const tool of listed) {
    const file = snapshotFile(tool.name, dir);
    if (!existsSync(file)) {
      problems.push(`${tool.name}: no wire snapshot test/__toolsnaps__/${tool.name}.json; run ${UPDATE_COMMAND}`);
    } else if (readFileSync(file, 'utf8') !== snapshotText(tool)) {
      problems.push(
        `${tool.name}: test/__toolsnaps__/${tool.name}.json is stale (tools/list sends something else); review the change, then run ${UPDATE_COMMAND}`,
      );
    }
  }
  for (const file of existsSync(dir) ? readdirSync(dir) : []) {
    const name = file.replace(/\.json$/, '');
    if (file.endsWith('.json') && !names.has(name)) {
      problems.push(
        `${name}: test/__toolsnaps__/${file} is for a tool tools/list no longer sends; run ${UPDATE_COMMAND}`,
      );
    }
  }
  return problems;
}

/** Rewrites the snapshots in `dir` to the listing (and removes those of tools no longer listed). */
export function writeToolsnaps(listed: readonly WireTool[], dir = TOOLSNAPS_DIR): void {
  mkdirSync(dir, { recursive: true });
  const names = new Set(listed.map((tool) => tool.name));
  for (const file of readdirSync(dir)) {
    if (file.endsWith('.json') && !names.has(file.replace(/\.json$/, ''))) rmSync(join(dir, file));
  }
  for (const tool of listed) writeFileSync(snapshotFile(tool.name, dir), snapshotText(tool));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const listed = await listedTools();
  if (process.argv.includes('--update')) {
    writeToolsnaps(listed);
    console.info(`wrote ${listed.length} wire snapshots to ${TOOLSNAPS_DIR}`);
  } else {
    const problems = toolsnapProblems(listed);
    for (const problem of problems) console.error(problem);
    process.exitCode = problems.length > 0 ? 1 : 0;
  }
}
