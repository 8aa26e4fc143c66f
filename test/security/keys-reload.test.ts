/**
 * The API-keys file applies without a restart, as the policy file does: a key removed from it
 * stops working (its requests get 401, its open SSE connection is closed), a key added works, and
 * a broken edit keeps the previous keys (with an error in the log) instead of locking everyone out.
 */
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/auth/inbound.js';
import { type Stack, startStack, waitFor } from '../integration/http-harness.js';

const KEY_REMOVED = 'edm_reload-removed-000000000000000000';
const KEY_KEPT = 'edm_reload-kept-0000000000000000000000';
const KEY_ADDED = 'edm_reload-added-000000000000000000000';
const SCOPES = ['scheduling:read', 'patients:read'];
const dir = mkdtempSync(join(tmpdir(), 'keys-reload-'));
const keysPath = join(dir, 'keys.json');
let stack: Stack;

/** Saves the way editors and config tools do: a new file renamed over the old one. */
function saveKeys(content: string | { id: string; key: string }[]) {
  const text =
    typeof content === 'string'
      ? content
      : JSON.stringify({
          keys: content.map((k) => ({ id: k.id, sha256: sha256Hex(k.key), practices: 'all', scopes: SCOPES })),
        });
  writeFileSync(`${keysPath}.new`, text);
  renameSync(`${keysPath}.new`, keysPath);
}

/** An authenticated request's status: GET /catalog answers 200 to any accepted key, 401 otherwise. */
async function listStatus(key: string): Promise<number> {
  const response = await fetch(`${stack.http.url}/catalog`, { headers: { authorization: `Bearer ${key}` } });
  await response.arrayBuffer();
  return response.status;
}

/** The sessions the server holds (the readiness detail, for an authenticated caller). */
async function openSessions(): Promise<{ sse: number; streamable: number }> {
  const detail = await fetch(`${stack.http.url}/readyz`, { headers: { authorization: `Bearer ${KEY_KEPT}` } });
  return ((await detail.json()) as { sessions: { sse: number; streamable: number } }).sessions;
}

beforeAll(async () => {
  saveKeys([
    { id: 'removed', key: KEY_REMOVED },
    { id: 'kept', key: KEY_KEPT },
  ]);
  stack = await startStack({ args: ['--api-keys-file', keysPath] });
});

afterAll(async () => {
  await stack?.close();
});

describe('API keys file live reload', () => {
  it('a removed key stops working and its sessions close; a kept key goes on; an added key works', async () => {
    const sse = await stack.connect('sse', { authorization: `Bearer ${KEY_REMOVED}` });
    const session = await stack.connect('legacy', { authorization: `Bearer ${KEY_REMOVED}` });
    await sse.listTools();
    await session.listTools();
    expect(await listStatus(KEY_REMOVED)).toBe(200);
    expect(await openSessions()).toEqual({ sse: 1, streamable: 1 });

    saveKeys([
      { id: 'kept', key: KEY_KEPT },
      { id: 'added', key: KEY_ADDED },
    ]);
    await waitFor(async () => (await listStatus(KEY_REMOVED)) === 401, 'the removed key to be refused');
    await expect(session.listTools()).rejects.toThrow();
    // The server closed the removed key's SSE connection and 2025 session (no other key holds one).
    await waitFor(async () => {
      const sessions = await openSessions();
      return sessions.sse === 0 && sessions.streamable === 0;
    }, "the removed key's sessions to close");
    expect(await listStatus(KEY_KEPT)).toBe(200);
    expect(await listStatus(KEY_ADDED)).toBe(200);
  });

  it('a broken edit keeps the previous keys and says so in the log', async () => {
    saveKeys('{"keys": [ {"id": "half-written"');
    await waitFor(() => /API keys file reload failed/.test(stack.logs()), 'the reload error');
    expect(await listStatus(KEY_KEPT)).toBe(200);
    expect(await listStatus(KEY_ADDED)).toBe(200);
    expect(stack.logs()).not.toContain(KEY_KEPT);
  });
});
