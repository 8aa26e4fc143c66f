/**
 * Toolsets (issue 17 item 7): --toolsets chooses the toolsets offered, a local policy turns one
 * off per practice, and the listing and the call follow the same decision. Listing sizes are
 * estimated as the listing budget tests do (JSON characters ÷ 4).
 * A real MCP client, the server in process, the sandbox over HTTP.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { CATALOG } from '../../src/tools/registry.js';
import { callError, callOk, connectInProcess, startTestSandbox } from '../helpers/harness.js';

const tokens = (value: unknown) => Math.ceil(JSON.stringify(value).length / 4);

let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startTestSandbox();
});

afterAll(async () => {
  await sandbox?.close();
});

describe('listing size', () => {
  it('the default listing offers every toolset; the front desk profile lists in under 6,000 tokens', async () => {
    const all = await connectInProcess({ sandbox });
    const frontDesk = await connectInProcess({ sandbox, argv: ['--toolsets', 'scheduling,patients,worklists'] });
    try {
      const { tools } = await all.client.listTools();
      const { tools: desk } = await frontDesk.client.listTools();
      console.info(
        `[figures] tools/list: default (every toolset) ${tools.length} tools ≈ ${tokens(tools)} tokens; --toolsets scheduling,patients,worklists ${desk.length} tools ≈ ${tokens(desk)} tokens`,
      );
      expect(tools.map((t) => t.name).sort()).toEqual(CATALOG.map((t) => t.name).sort());
      expect(desk.length).toBeLessThan(tools.length);
      expect(tokens(desk)).toBeLessThan(6000);
    } finally {
      await all.close();
      await frontDesk.close();
    }
  });
});

describe('--toolsets', () => {
  it('lists only the toolsets chosen and refuses a call to any other, in plain words', async () => {
    const connection = await connectInProcess({ sandbox, argv: ['--toolsets', 'scheduling,patients'] });
    try {
      const { tools } = await connection.client.listTools();
      const expected = CATALOG.filter((t) => t.toolset === 'scheduling' || t.toolset === 'patients').map((t) => t.name);
      expect(tools.map((t) => t.name).sort()).toEqual(expected.sort());
      expect(tools.map((t) => t.name)).not.toContain('recall_worklist');
      const la = sandbox.fixtures.practices.la;
      const error = await callError(connection.client, 'recall_worklist', { practice: la.name });
      expect(error).toContain('belongs to the worklists toolset, which this server does not offer');
      await callOk(connection.client, 'find_spot', { practice: la.name, duration_minutes: 30 });
    } finally {
      await connection.close();
    }
  });
});

describe('a policy that turns a toolset off for one practice', () => {
  it('refuses the toolset at that practice only; the listing keeps what another practice may use', async () => {
    const la = sandbox.fixtures.practices.la;
    const ny = sandbox.fixtures.practices.ny;
    const dir = mkdtempSync(join(tmpdir(), 'toolsets-'));
    const policy = join(dir, 'policy.json');
    writeFileSync(
      policy,
      JSON.stringify({
        disabled: [],
        disabled_toolsets: ['insurance'],
        practices: { [la.id]: { disabled: [], disabled_toolsets: ['worklists'] } },
      }),
    );
    const connection = await connectInProcess({ sandbox, argv: ['--policy-file', policy] });
    try {
      const names = (await connection.client.listTools()).tools.map((t) => t.name);
      expect(names).toContain('recall_worklist');
      expect(names).not.toContain('claims_summary');
      const error = await callError(connection.client, 'recall_worklist', { practice: la.name });
      expect(error).toContain('worklists toolset');
      const { structured } = await callOk<{ practice: string }>(connection.client, 'recall_worklist', {
        practice: ny.name,
      });
      expect(structured.practice).toBe(ny.name);
      expect(await callError(connection.client, 'claims_summary', { practice: ny.name })).toContain(
        'insurance toolset',
      );
    } finally {
      await connection.close();
    }

    // Pinned to the practice whose policy turns worklists off: not listed at all.
    const pinned = await connectInProcess({ sandbox, argv: ['--policy-file', policy, '--practice', la.id] });
    try {
      const names = (await pinned.client.listTools()).tools.map((t) => t.name);
      expect(names).not.toContain('recall_worklist');
      expect(names).toContain('find_spot');
    } finally {
      await pinned.close();
    }
  });

  it('a policy naming a toolset that does not exist is refused at start, saying which toolsets there are', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'toolsets-'));
    const policy = join(dir, 'policy.json');
    writeFileSync(policy, JSON.stringify({ disabled_toolsets: ['billing'] }));
    await expect(connectInProcess({ sandbox, argv: ['--policy-file', policy] })).rejects.toThrow(
      /toolsets are scheduling, patients, insurance, reports, worklists/,
    );
  });
});
