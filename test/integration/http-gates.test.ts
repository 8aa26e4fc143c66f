/**
 * Per-practice tool gates over HTTP: Escape's PracticeToolGate rows (changed through the
 * sandbox's admin API, as support staff would), the local policy, the listing and the call-time
 * refusal for each client kind, and `notifications/tools/list_changed` reaching exactly the
 * sessions of the practice that changed.
 */
import { writeFileSync } from 'node:fs';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClientKind,
  type Stack,
  setGate,
  startStack,
  textOf,
  toolNames,
  waitFor,
  writeTempJson,
} from './http-harness.js';

const READ_SCOPES = ['scheduling:read', 'patients:read', 'insurance:read', 'reports:read'];
const KEY_A = 'edm_gates-practice-a-key-000000000000';
const KEY_B = 'edm_gates-practice-b-key-000000000000';
const KEY_AB = 'edm_gates-practices-ab-key-0000000000';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

let stack: Stack;
let policyFile: string;
let la: { id: string; name: string };
let ny: { id: string; name: string };

interface Watched {
  client: Client;
  changes: () => number;
}

async function watched(kind: ClientKind, key: string, headers: Record<string, string> = {}): Promise<Watched> {
  const client = await stack.connect(kind, { ...bearer(key), ...headers });
  let changes = 0;
  client.setNotificationHandler('notifications/tools/list_changed', () => {
    changes += 1;
  });
  if (kind === 'modern') await client.listen({ toolsListChanged: true });
  return { client, changes: () => changes };
}

const findSpotArgs = (practice: string) => ({ practice, duration_minutes: 30, max_results: 1 });

beforeAll(async () => {
  policyFile = writeTempJson('policy', { disabled: [] });
  stack = await startStack({
    args: ['--policy-file', policyFile],
    keys: (sandbox) => {
      const { la: a, ny: b } = sandbox.fixtures.practices;
      return [
        { id: 'a', key: KEY_A, practices: [a.id], scopes: READ_SCOPES },
        { id: 'b', key: KEY_B, practices: [b.id], scopes: READ_SCOPES },
        { id: 'ab', key: KEY_AB, practices: [a.id, b.id], scopes: READ_SCOPES },
      ];
    },
  });
  la = stack.sandbox.fixtures.practices.la;
  ny = stack.sandbox.fixtures.practices.ny;
});

afterAll(async () => {
  await stack?.close();
});

describe('an Escape gate row disabling find_spot for practice A', () => {
  it('hides and refuses it in A only, notifies A sessions, and comes back when the row is deleted', async () => {
    const sseA = await watched('sse', KEY_A);
    const sessionA = await watched('legacy', KEY_A);
    const listenA = await watched('modern', KEY_A);
    const sseB = await watched('sse', KEY_B);
    const sessionB = await watched('legacy', KEY_B);
    const listenB = await watched('modern', KEY_B);
    const staleModernA = await stack.connect('modern', bearer(KEY_A));

    for (const w of [sseA, sessionA, listenA, sseB, sessionB, listenB]) {
      expect(toolNames(await w.client.listTools())).toContain('find_spot');
    }
    // This client keeps its cached list (the server's ttl) through the change below.
    expect(toolNames(await staleModernA.listTools())).toContain('find_spot');

    expect(await setGate(stack.sandbox, la.id, 'find_spot', false)).toBe(200); // the seed has an enabled row
    await stack.runtime.gates.poll();

    await waitFor(() => sseA.changes() >= 1 && sessionA.changes() >= 1 && listenA.changes() >= 1, 'A notifications');

    // Gone from A's lists, whichever the transport.
    for (const w of [sseA, sessionA, listenA]) {
      expect(toolNames(await w.client.listTools(undefined, { cacheMode: 'refresh' }))).not.toContain('find_spot');
    }
    // Still there for B, and B's legacy sessions heard nothing (their streams are ordered: a
    // notification sent with A's would have arrived before this answer).
    for (const w of [sseB, sessionB, listenB]) {
      expect(toolNames(await w.client.listTools(undefined, { cacheMode: 'refresh' }))).toContain('find_spot');
    }
    expect(sseB.changes()).toBe(0);
    expect(sessionB.changes()).toBe(0);
    const called = await sseB.client.callTool({ name: 'find_spot', arguments: findSpotArgs(ny.name) });
    expect(called.isError).toBeFalsy();

    // A 2026 client still holding the old list: the call is refused with the reason.
    expect(toolNames(await staleModernA.listTools())).toContain('find_spot');
    const refused = await staleModernA.callTool({ name: 'find_spot', arguments: findSpotArgs(la.name) });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain("turned off for Sunset Smiles Dental in Escape Dental's tool settings");

    // 2025-era clients calling from their old list get the same refusal, with the reason.
    for (const w of [sseA, sessionA]) {
      const outcome = await w.client.callTool({ name: 'find_spot', arguments: findSpotArgs(la.name) });
      expect(outcome.isError).toBe(true);
      expect(textOf(outcome)).toContain("turned off for Sunset Smiles Dental in Escape Dental's tool settings");
    }

    // The local policy cannot switch back on what Escape's row switched off.
    writeFileSync(policyFile, JSON.stringify({ disabled: [], practices: { [la.id]: { disabled: [] } } }));
    await stack.runtime.gates.reloadPolicy();
    expect(toolNames(await listenA.client.listTools(undefined, { cacheMode: 'refresh' }))).not.toContain('find_spot');

    // Deleting the row ("no row = enabled") brings it back, and A's sessions are told.
    const before = { sse: sseA.changes(), session: sessionA.changes(), listen: listenA.changes() };
    expect(await setGate(stack.sandbox, la.id, 'find_spot', 'delete')).toBe(204);
    await stack.runtime.gates.poll();
    await waitFor(
      () => sseA.changes() > before.sse && sessionA.changes() > before.session && listenA.changes() > before.listen,
      'A notifications after re-enabling',
    );
    for (const w of [sseA, sessionA, listenA]) {
      expect(toolNames(await w.client.listTools(undefined, { cacheMode: 'refresh' }))).toContain('find_spot');
    }
    const back = await sessionA.client.callTool({ name: 'find_spot', arguments: findSpotArgs(la.name) });
    expect(back.isError).toBeFalsy();

    // The one listen stream of B saw nothing for A's changes: its first notification is the
    // one for its own practice below.
    writeFileSync(
      policyFile,
      JSON.stringify({ disabled: [], practices: { [ny.id]: { disabled: ['claims_summary'] } } }),
    );
    await stack.runtime.gates.reloadPolicy();
    await waitFor(() => listenB.changes() >= 1 && sseB.changes() >= 1, 'B notifications for its own policy change');
    expect(listenB.changes()).toBe(1);
    expect(toolNames(await sseB.client.listTools())).not.toContain('claims_summary');
    expect(toolNames(await sseA.client.listTools())).toContain('claims_summary');

    writeFileSync(policyFile, JSON.stringify({ disabled: [] }));
    await stack.runtime.gates.reloadPolicy();

    const metrics = await (await fetch(`${stack.http.url}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(
        `escape_mcp_gate_decisions_total\\{tool="find_spot",practice="${la.id}",allowed="false",reason="upstream_gate"\\} [1-9]`,
      ),
    );
    expect(stack.logs()).toContain('tool call refused by gate');
  });
});

describe('pinning a practice with X-Escape-Practice', () => {
  it('narrows a two-practice credential to one and refuses a practice outside it', async () => {
    expect(await setGate(stack.sandbox, la.id, 'production_report', false)).toBe(201);
    await stack.runtime.gates.poll();
    try {
      const unpinned = await stack.connect('modern', bearer(KEY_AB));
      // Listed: allowed in at least one of the caller's practices; decided per call.
      expect(toolNames(await unpinned.listTools())).toContain('production_report');
      const inA = await unpinned.callTool({
        name: 'production_report',
        arguments: { practice: la.name, period: 'last_month' as const },
      });
      expect(inA.isError).toBe(true);
      expect(textOf(inA)).toContain('turned off');

      const pinnedA = await stack.connect('modern', { ...bearer(KEY_AB), 'x-escape-practice': la.name });
      expect(toolNames(await pinnedA.listTools())).not.toContain('production_report');
      const pinnedB = await stack.connect('legacy', { ...bearer(KEY_AB), 'x-escape-practice': ny.id });
      expect(toolNames(await pinnedB.listTools())).toContain('production_report');
      // Pinned: the practice argument is gone from the schema.
      const schema = (await pinnedB.listTools()).tools.find((t) => t.name === 'find_spot')?.inputSchema as {
        properties: Record<string, unknown>;
      };
      expect(Object.keys(schema.properties)).not.toContain('practice');

      for (const practice of [stack.sandbox.fixtures.practices.chicago.id, 'No Such Practice']) {
        const response = await fetch(stack.http.mcpUrl, {
          method: 'POST',
          headers: { ...bearer(KEY_A), 'x-escape-practice': practice, 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
        });
        expect(response.status).toBe(403);
        expect(((await response.json()) as { error: { message: string } }).error.message).toContain(
          'is not a practice this credential may use',
        );
      }
    } finally {
      await setGate(stack.sandbox, la.id, 'production_report', 'delete');
      await stack.runtime.gates.poll();
    }
  });
});

describe('a tools/call without an id for a hidden tool, on a legacy SSE session', () => {
  it('is treated as the malformed notification it is: nothing stays in flight, and the session keeps answering', async () => {
    writeFileSync(policyFile, JSON.stringify({ disabled: ['claims_summary'] }));
    await stack.runtime.gates.reloadPolicy();
    const controller = new AbortController();
    try {
      const stream = await fetch(`${stack.http.url}/sse`, { headers: bearer(KEY_A), signal: controller.signal });
      const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
      let seen = '';
      const read = async (wanted: RegExp) =>
        waitFor(async () => {
          const chunk = await reader.read();
          seen += new TextDecoder().decode(chunk.value ?? new Uint8Array());
          return wanted.exec(seen) ?? undefined;
        }, `${wanted} on the SSE stream`);
      const endpoint = (await read(/data: (\/messages\?sessionId=[0-9a-f-]{36})/))[1] as string;
      const post = (message: unknown) =>
        fetch(`${stack.http.url}${endpoint}`, {
          method: 'POST',
          headers: { ...bearer(KEY_A), 'content-type': 'application/json' },
          body: JSON.stringify(message),
        });
      const inFlight = async () =>
        Number(/escape_mcp_in_flight (\d+)/.exec(await stack.metrics.registry.metrics())?.[1] ?? Number.NaN);

      const noId = await post({
        jsonrpc: '2.0',
        method: 'tools/call',
        params: { name: 'claims_summary', arguments: {} },
      });
      expect(noId.status).toBe(202);
      await waitFor(async () => (await inFlight()) === 0 || undefined, 'no request left in flight');
      // The same session still answers a real request, on its stream.
      expect((await post({ jsonrpc: '2.0', id: 7, method: 'ping' })).status).toBe(202);
      await read(/"id":7/);
    } finally {
      controller.abort();
      writeFileSync(policyFile, JSON.stringify({ disabled: [] }));
      await stack.runtime.gates.reloadPolicy();
    }
  });
});
