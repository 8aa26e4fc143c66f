/**
 * Gate bypass attempts against the built server over stdio (a desktop operator's setup): the
 * local policy switches claims_summary off everywhere and find_spot off for practice A. A client
 * calls the hidden tool by name without ever listing, calls find_spot for A (listed, because B
 * may use it), and — holding an old list — calls a tool the policy has since switched off.
 * Every attempt is refused with a clear reason, sends nothing upstream for the refused tool, and
 * a pinned server (A) does not even list what A may not use.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { type Connection, connectStdio, startTestSandbox, textOf } from '../helpers/harness.js';
import { writtenAuditLines } from '../reliability/stack.js';

let sandbox: RunningSandbox;
let connection: Connection;
let pinned: Connection;
let policyFile: string;
let a: RunningSandbox['fixtures']['practices']['la'];
let b: RunningSandbox['fixtures']['practices']['ny'];
let listChanges = 0;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  a = sandbox.fixtures.practices.la;
  b = sandbox.fixtures.practices.ny;
  policyFile = join(tmpdir(), `policy-${process.pid}-${Date.now()}.json`);
  writeFileSync(
    policyFile,
    JSON.stringify({ disabled: ['claims_summary'], practices: { [a.id]: { disabled: ['find_spot'] } } }),
  );
  connection = await connectStdio({ sandbox, env: { ESCAPE_POLICY_FILE: policyFile } });
  connection.client.setNotificationHandler('notifications/tools/list_changed', () => {
    listChanges += 1;
  });
  pinned = await connectStdio({ sandbox, env: { ESCAPE_POLICY_FILE: policyFile, ESCAPE_PRACTICE: a.id } });
});

afterAll(async () => {
  await connection?.close();
  await pinned?.close();
  await sandbox?.close();
});

/** Calls a tool; a protocol error (e.g. an unknown or disabled tool) counts as a refusal too. */
async function attempt(client: Connection['client'], name: string, args: Record<string, unknown>) {
  return client
    .callTool({ name, arguments: args })
    .then((result) => ({ refused: result.isError === true, text: textOf(result) }))
    .catch((error: Error) => ({ refused: true, text: error.message }));
}

async function upstream(since: number) {
  return (await sandbox.control.requests(since)).map((e) => e.path);
}

describe('gate bypass attempts over stdio', () => {
  it('a tool switched off everywhere: not listed, and refused by name without a list', async () => {
    const names = (await connection.client.listTools()).tools.map((t) => t.name);
    expect(names).not.toContain('claims_summary');
    expect(names).toContain('find_spot');
    for (const practice of [a.name, b.name]) {
      const since = await sandbox.control.lastSeq();
      const outcome = await attempt(connection.client, 'claims_summary', { practice });
      expect(outcome.refused, outcome.text).toBe(true);
      expect(outcome.text).toMatch(/claims_summary/);
      expect((await upstream(since)).filter((p) => p.includes('/insurance/'))).toEqual([]);
    }
  });

  it('a tool switched off for A only: refused for A with the reason, served for B', async () => {
    const since = await sandbox.control.lastSeq();
    const forA = await attempt(connection.client, 'find_spot', { practice: a.name, duration_minutes: 30 });
    expect(forA.refused).toBe(true);
    expect(forA.text).toMatch(/turned off|switched off|disabled|not available/i);
    expect(forA.text).toContain(a.name);
    expect((await upstream(since)).filter((p) => p.includes('/find-spot/'))).toEqual([]);
    const forB = await attempt(connection.client, 'find_spot', { practice: b.name, duration_minutes: 30 });
    expect(forB.refused, forB.text).toBe(false);
    // Refusals are audited like any call.
    const audits = await writtenAuditLines(connection.logs, 2, (x) => x.tool === 'find_spot');
    expect(audits.map((x) => x.outcome)).toEqual(['refused', 'ok']);
  });

  it('a server pinned to A does not list find_spot, and refuses it by name', async () => {
    const names = (await pinned.client.listTools()).tools.map((t) => t.name);
    expect(names).not.toContain('find_spot');
    expect(names).not.toContain('claims_summary');
    const since = await sandbox.control.lastSeq();
    const outcome = await attempt(pinned.client, 'find_spot', { duration_minutes: 30 });
    expect(outcome.refused).toBe(true);
    expect(outcome.text).toMatch(/find_spot/);
    expect((await upstream(since)).filter((p) => p.includes('/find-spot/'))).toEqual([]);
  });

  it('a client holding an old list: the tool switched off since is refused', async () => {
    const before = (await connection.client.listTools()).tools.map((t) => t.name);
    expect(before).toContain('production_report');
    writeFileSync(
      policyFile,
      JSON.stringify({
        disabled: ['claims_summary', 'production_report'],
        practices: { [a.id]: { disabled: ['find_spot'] } },
      }),
    );
    // The server re-reads its policy file and tells the client its list changed.
    for (let i = 0; i < 500 && listChanges === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(listChanges).toBeGreaterThan(0);
    const since = await sandbox.control.lastSeq();
    // The client ignores the notification and calls from its old list.
    const outcome = await attempt(connection.client, 'production_report', { practice: a.name, period: 'last_month' });
    expect(outcome.refused).toBe(true);
    expect(outcome.text).toMatch(/production_report/);
    expect((await upstream(since)).filter((p) => p.includes('/reports/'))).toEqual([]);
  });
});
