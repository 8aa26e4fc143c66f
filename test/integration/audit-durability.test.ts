/**
 * Every audit line reaches stderr when the built server (`dist/cli.js`; `npm run build` first)
 * stops the ordinary ways: SIGTERM over HTTP (after a burst of calls, and with calls in flight),
 * and end of input over stdio. Lines are counted in what the process wrote, so a log line held in
 * a buffer at exit shows up as a missing one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterEach, describe, expect, it } from 'vitest';
import { newClient, waitFor } from './http-harness.js';

const CLI = resolve(import.meta.dirname, '..', '..', 'dist', 'cli.js');
const CALLS = 40;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function auditLines(stderr: string): { tool: string; outcome: string }[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes('"audit":true'))
    .map((line) => JSON.parse(line) as { tool: string; outcome: string });
}

async function demoPracticeId(stderr: () => string): Promise<string> {
  const url = await waitFor(() => /"sandboxUrl":"([^"]+)"/.exec(stderr())?.[1], 'the demo sandbox URL in the log');
  const fixtures = (await (await fetch(`${url}/__sandbox/fixtures`)).json()) as { practices: { la: { id: string } } };
  return fixtures.practices.la.id;
}

async function startHttp(): Promise<{
  child: ChildProcess;
  client: Client;
  practice: string;
  stderr: () => string;
  exited: Promise<number | null>;
}> {
  const child = spawn(process.execPath, [CLI, 'http', '--demo', '--auth', 'off', '--port', '0'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const stdout = captured(child.stdout);
  const stderr = captured(child.stderr);
  // 'close' rather than 'exit': the pipes are read to their end.
  const exited = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
  const url = await waitFor(() => /serving at (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(stdout())?.[1], 'the banner');
  const practice = await demoPracticeId(stderr);
  const client = newClient('modern');
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return { child, client, practice, stderr, exited };
}

function captured(stream: Readable | null | undefined): () => string {
  let text = '';
  stream?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  return () => text;
}

function findSpots(client: Client, practice: string, count: number) {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      client.callTool({ name: 'find_spot', arguments: { practice, duration_minutes: 30 + (i % 4) * 15 } }),
    ),
  );
}

describe('audit lines survive the ordinary ways the server stops', () => {
  it('HTTP: SIGTERM right after a burst of calls keeps one audit line per call', async () => {
    const server = await startHttp();
    const results = await findSpots(server.client, server.practice, CALLS);
    expect(results.every((r) => !r.isError)).toBe(true);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const lines = auditLines(server.stderr()).filter((l) => l.tool === 'find_spot');
    expect(lines).toHaveLength(CALLS);
    expect(lines.every((l) => l.outcome === 'ok')).toBe(true);
    await server.client.close().catch(() => {});
  }, 120_000);

  it('HTTP: SIGTERM with calls in flight keeps one audit line per call answered', async () => {
    const server = await startHttp();
    const calls = Array.from({ length: CALLS }, (_, i) =>
      server.client.callTool({
        name: 'find_spot',
        arguments: { practice: server.practice, duration_minutes: 30 + (i % 4) * 15 },
      }),
    );
    await waitFor(() => auditLines(server.stderr()).length > 0 || undefined, 'the first audit line');
    server.child.kill('SIGTERM');
    // Calls the server had not taken when the drain began are refused, and run no tool.
    const answered = (await Promise.allSettled(calls)).filter((r) => r.status === 'fulfilled');
    expect(answered.length).toBeGreaterThan(0);
    expect(answered.every((r) => !r.value.isError)).toBe(true);
    expect(await server.exited).toBe(0);
    expect(auditLines(server.stderr()).filter((l) => l.tool === 'find_spot')).toHaveLength(answered.length);
    await server.client.close().catch(() => {});
  }, 120_000);

  it('stdio: the end of input keeps one audit line per call', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, '--demo', '--practice', 'Sunset Smiles Dental'],
      env: { PATH: process.env.PATH ?? '' },
      stderr: 'pipe',
    });
    const stderrEnded = new Promise<void>((done) => transport.stderr?.once('end', () => done()));
    const stderr = captured(transport.stderr as Readable | null);
    const client = new Client({ name: 'audit-durability', version: '1' });
    await client.connect(transport);
    const results = await findSpots(client, await demoPracticeId(stderr), CALLS);
    expect(results.every((r) => !r.isError)).toBe(true);
    await client.close();
    await stderrEnded;
    expect(auditLines(stderr()).filter((l) => l.tool === 'find_spot')).toHaveLength(CALLS);
  }, 120_000);
});
