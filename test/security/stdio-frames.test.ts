/**
 * Malformed JSON-RPC over stdio, written byte for byte to the built server (dist/cli.js): junk,
 * half frames, wrong shapes, binary, a 5 MB line, deep nesting, frames carrying patient data;
 * and a client that stops reading stdout while it keeps sending. The process must stay up, keep
 * stdout to protocol messages only, answer every valid request after the junk, and never copy a
 * rejected frame's content into its log.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { LOG_DIR, REPO_ROOT, rawGet, startTestSandbox } from '../helpers/harness.js';
import { auditLines } from '../reliability/stack.js';

interface Message {
  jsonrpc: string;
  id?: unknown;
  result?: { isError?: boolean; tools?: unknown[]; structuredContent?: unknown };
  error?: { code: number; message: string };
  method?: string;
}

let sandbox: RunningSandbox;
let child: ChildProcessWithoutNullStreams;
let stderr = '';
let exited: number | null | undefined;
const messages: Message[] = [];
const badLines: string[] = [];
let pending = '';

function onStdout(chunk: Buffer) {
  pending += chunk.toString('utf8');
  let newline = pending.indexOf('\n');
  while (newline >= 0) {
    const line = pending.slice(0, newline).replace(/\r$/, '');
    pending = pending.slice(newline + 1);
    if (line.trim() !== '') {
      try {
        const parsed = JSON.parse(line) as Message;
        if (parsed.jsonrpc !== '2.0') badLines.push(line.slice(0, 200));
        messages.push(parsed);
      } catch {
        badLines.push(line.slice(0, 200));
      }
    }
    newline = pending.indexOf('\n');
  }
}

const send = (text: string | Buffer) => child.stdin.write(text);
const frame = (value: unknown) => send(`${JSON.stringify(value)}\n`);

async function answerTo(id: unknown): Promise<Message> {
  for (let i = 0; i < 3000; i += 1) {
    const found = messages.find((m) => m.id === id && (m.result !== undefined || m.error !== undefined));
    if (found) return found;
    if (exited !== undefined) throw new Error(`server exited (${exited}): ${stderr.slice(-500)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no answer to ${String(id)}`);
}

let nextId = 1000;
async function request(method: string, params: unknown): Promise<Message> {
  const id = nextId++;
  frame({ jsonrpc: '2.0', id, method, params });
  return answerTo(id);
}

beforeAll(async () => {
  sandbox = await startTestSandbox();
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = join(LOG_DIR, `stdio-frames-${process.pid}.log`);
  child = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'cli.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      ESCAPE_API_URL: sandbox.url,
      ESCAPE_API_TOKEN: sandbox.credentials.oauth.service.token,
      ESCAPE_LOG_LEVEL: 'debug',
    },
  });
  child.stdout.on('data', onStdout);
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    appendFileSync(logFile, chunk);
  });
  child.on('exit', (code) => {
    exited = code;
  });
  // Wait until it serves (its start-up log line), then handshake like a 2025-era client.
  for (let i = 0; i < 3000 && !stderr.includes('serving MCP on stdio'); i += 1) {
    if (exited !== undefined) throw new Error(`server exited: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
});

afterAll(async () => {
  child?.stdin.end();
  await new Promise((resolve) => {
    if (exited !== undefined) resolve(undefined);
    else child.once('exit', resolve);
    setTimeout(() => {
      child.kill();
      resolve(undefined);
    }, 5_000);
  });
  await sandbox?.close();
});

describe('malformed frames over stdio', () => {
  it('junk before and after the handshake never stops the server; valid requests are answered', async () => {
    const la = sandbox.fixtures.practices.la;
    const patient = await rawGet<{ first_name: string; last_name: string; date_of_birth: string }>(
      sandbox,
      `/api/v1/practice/${la.id}/patient/${la.patients.timeline}/`,
    );
    const secretName = `${patient.first_name} ${patient.last_name}`;
    const junk: (string | Buffer)[] = [
      'not json\n',
      '{\n',
      '}\n',
      '[]\n',
      '[1,2,3]\n',
      '{}\n',
      '"just a string"\n',
      '42\n',
      'null\n',
      '{"jsonrpc":"2.0"}\n',
      '{"jsonrpc":"1.0","id":1,"method":"initialize"}\n',
      '{"jsonrpc":"2.0","id":{"nested":true},"method":"ping"}\n',
      '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":"not an object"}\n',
      '{"jsonrpc":"2.0","id":8,"method":"no/such/method","params":{}}\n',
      '{"jsonrpc":"2.0","method":"notifications/unknown"}\n',
      Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0a]),
      '\uFEFF{"jsonrpc":"2.0","id":9,"method":"ping"}\n',
      '{"jsonrpc":"2.0","id":10,"method":"ping"}\r\n',
      `${'['.repeat(100_000)}\n`,
      `{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"patient_timeline","arguments":{"name":"${'x'.repeat(5_000_000)}"}}}\n`,
      // Patient data in broken frames: must not be copied into the log.
      `{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"patient_timeline","arguments":{"name":"${secretName}","date_of_birth":"${patient.date_of_birth}"}}, oops\n`,
      `${secretName} ${patient.date_of_birth} is not json\n`,
    ];
    for (const piece of junk) send(piece);

    const init = await request('initialize', {
      protocolVersion: '2025-11-25',
      capabilities: {},
      clientInfo: { name: 'frames', version: '1' },
    });
    expect(init.result, JSON.stringify(init)).toBeDefined();
    frame({ jsonrpc: '2.0', method: 'notifications/initialized' });
    for (const piece of junk) send(piece);

    const list = await request('tools/list', {});
    expect(list.result?.tools?.length).toBeGreaterThanOrEqual(4);
    const call = await request('tools/call', {
      name: 'find_spot',
      arguments: { practice: la.name, duration_minutes: 30, max_results: 2 },
    });
    expect(call.result?.isError, JSON.stringify(call).slice(0, 300)).toBeFalsy();
    expect(call.result?.structuredContent).toBeDefined();

    // Well-formed requests among the junk got an answer (an error or a result). Not answered, by
    // the SDK's stdio transport: lines that are not JSON (the BOM-prefixed one) and messages that
    // fail its JSON-RPC schema (id 7, params not an object) — dropped and logged, no reply.
    for (const id of [8, 10, 11]) expect((await answerTo(id)).jsonrpc).toBe('2.0');
    expect((await answerTo(8)).error?.code).toBe(-32601);
    expect(exited).toBeUndefined();
    // stdout carried protocol messages only.
    expect(badLines).toEqual([]);
    // Nothing of the rejected frames in the log: neither the patient's name nor the birth date.
    expect(stderr).not.toContain(secretName);
    expect(stderr).not.toContain(patient.last_name);
    expect(stderr).not.toContain(patient.date_of_birth);
    expect(stderr).not.toMatch(/unhandled|uncaught|"level":60/i);
  });

  it('a client that stops reading stdout, then resumes, gets every answer', async () => {
    const la = sandbox.fixtures.practices.la;
    child.stdout.pause();
    const ids: number[] = [];
    for (let i = 0; i < 150; i += 1) {
      const id = nextId++;
      ids.push(id);
      frame({
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: {
          name: 'patient_timeline',
          arguments: { practice: la.name, patient_id: la.patients.timeline, limit: 50 },
        },
      });
    }
    // Long enough for the answers to fill the pipe and back up inside the server.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(exited).toBeUndefined();
    child.stdout.resume();
    for (const id of ids) {
      const answer = await answerTo(id);
      expect(answer.result?.isError, String(id)).toBeFalsy();
    }
    expect(badLines).toEqual([]);
    const ping = await request('ping', {});
    expect(ping.result).toEqual({});
  });

  it('wrote one audit line per tool call that reached a tool', () => {
    const audits = auditLines(stderr);
    // find_spot once; the 5 MB name (twice) refused by the schema; 150 timelines.
    expect(audits.filter((a) => a.tool === 'patient_timeline' && a.outcome === 'ok')).toHaveLength(150);
    expect(audits.filter((a) => a.tool === 'find_spot')).toHaveLength(1);
    expect(audits.filter((a) => a.outcome === 'invalid_input')).toHaveLength(2);
  });
});
