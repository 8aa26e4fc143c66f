/**
 * Toolsets (issue 17 item 7): --toolsets chooses the toolsets offered, a local policy turns one
 * off per practice, and the listing and the call follow the same decision. Listing sizes are
 * counted with the o200k_base tokenizer, as the wire snapshots are.
 * A real MCP client, the server in process, the sandbox over HTTP.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { CATALOG } from '../../src/tools/registry.js';
import { callError, callOk, connectInProcess, startTestSandbox } from '../helpers/harness.js';

let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startTestSandbox();
});

afterAll(async () => {
  await sandbox?.close();
});

describe('listing size', () => {
  it('the default listing is the front desk toolsets, under 6,000 tokens for a one-practice server; --toolsets all lists the whole catalog', async () => {
    const byDefault = await connectInProcess({
      sandbox,
      defaultToolsets: true,
      argv: ['--practice', sandbox.fixtures.practices.ny.id],
    });
    const severalPractices = await connectInProcess({ sandbox, defaultToolsets: true });
    const all = await connectInProcess({ sandbox, argv: ['--toolsets', 'all'] });
    try {
      const { tools } = await byDefault.client.listTools();
      const { tools: withPracticeArgument } = await severalPractices.client.listTools();
      const { tools: every } = await all.client.listTools();
      const size = countTokens(JSON.stringify(tools));
      // With several practices each tool also takes a `practice` argument naming them.
      console.info(
        `[figures] tools/list (o200k_base tokens): default, one practice ${tools.length} tools ${size}; default, several practices ${countTokens(JSON.stringify(withPracticeArgument))}; --toolsets all ${every.length} tools ${countTokens(JSON.stringify(every))}`,
      );
      expect(withPracticeArgument.map((t) => t.name).sort()).toEqual(tools.map((t) => t.name).sort());
      const frontDesk = new Set(['scheduling', 'patients', 'worklists']);
      expect(tools.map((t) => t.name).sort()).toEqual(
        CATALOG.filter((t) => frontDesk.has(t.toolset))
          .map((t) => t.name)
          .sort(),
      );
      expect(every.map((t) => t.name).sort()).toEqual(CATALOG.map((t) => t.name).sort());
      expect(size).toBeLessThan(6000);
    } finally {
      await byDefault.close();
      await severalPractices.close();
      await all.close();
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
