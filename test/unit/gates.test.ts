/**
 * The gate decision and the registry, without HTTP: decision order, read-only as a ceiling with a
 * test-only write tool injected into createServer, the registry's change events and readiness,
 * its policy file reloads, and the REGISTRY-shaped export.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { decideTool, NO_GATES, type PracticeGates } from '../../src/gates/decision.js';
import { exportRegistry, toolsMissingUpstream } from '../../src/gates/export.js';
import { loadPolicy, PolicyFileError } from '../../src/gates/policy.js';
import { GateRegistry } from '../../src/gates/registry.js';
import { silentLogger } from '../../src/logger.js';
import { createServer } from '../../src/server.js';
import { noMetrics } from '../../src/telemetry.js';
import { scopeFor } from '../../src/tenancy/practice.js';
import type { Principal, Scope } from '../../src/tenancy/types.js';
import { createConfirmationTokens } from '../../src/tools/framework/confirmation.js';
import { ToolMemo } from '../../src/tools/framework/memo.js';
import type { AnyToolDefinition } from '../../src/tools/framework/types.js';
import { CATALOG } from '../../src/tools/registry.js';
import { fakeApi } from '../helpers/fake-api.js';

const practice = { id: 'p1', name: 'Sunset Smiles Dental', timezone: 'America/Los_Angeles' };

function tool(name: string, writes: boolean, requiredScopes: Scope[]): AnyToolDefinition {
  return {
    name,
    toolset: 'scheduling',
    title: name,
    description: `${name} (test only)`,
    inputSchema: z.object({}),
    outputSchema: z.object({ ok: z.boolean() }),
    annotations: { readOnlyHint: !writes, destructiveHint: false, idempotentHint: !writes, openWorldHint: true },
    requiredScopes,
    writes,
    operations: [],
    handler: async () => ({ structured: { ok: true }, summary: 'ok' }),
  };
}

const bookTool = tool('test_book', true, ['scheduling:write']);
const readTool = tool('test_read', false, ['scheduling:read']);

const principal = (overrides: Partial<Principal> = {}): Principal => ({
  id: 'p',
  kind: 'api-key',
  practiceIds: 'all',
  scopes: ['scheduling:read', 'scheduling:write'],
  readOnly: false,
  ...overrides,
});

const gates = (upstream: string[], local: string[]): PracticeGates => ({
  upstreamDisabled: new Set(upstream),
  locallyDisabled: new Set(local),
});

describe('decideTool', () => {
  it('applies Escape gates, then local policy, then scopes, then read-only; first refusal wins', () => {
    const everything = principal({ scopes: [], readOnly: true });
    expect(decideTool(bookTool, everything, practice, gates(['test_book'], ['test_book']))).toMatchObject({
      reason: 'upstream_gate',
    });
    expect(decideTool(bookTool, everything, practice, gates([], ['test_book']))).toMatchObject({
      reason: 'local_policy',
    });
    expect(decideTool(bookTool, everything, practice, NO_GATES)).toMatchObject({ reason: 'missing_scope' });
    expect(decideTool(bookTool, principal({ readOnly: true }), practice, NO_GATES)).toMatchObject({
      reason: 'read_only',
    });
    expect(decideTool(bookTool, principal(), practice, NO_GATES)).toEqual({ allowed: true });
  });

  it('lets read tools through read-only, and every catalog tool declares scopes of our taxonomy', () => {
    expect(decideTool(readTool, principal({ readOnly: true }), practice, NO_GATES)).toEqual({ allowed: true });
    const taxonomy = [
      'scheduling:read',
      'scheduling:write',
      'patients:read',
      'patients:write',
      'insurance:read',
      'reports:read',
    ];
    for (const entry of CATALOG) {
      expect(entry.requiredScopes.length).toBeGreaterThan(0);
      for (const scope of entry.requiredScopes) expect(taxonomy).toContain(scope);
      if (entry.writes) expect(entry.requiredScopes.some((scope) => scope.endsWith(':write'))).toBe(true);
    }
  });
});

describe('createServer with a test-only write tool', () => {
  async function listAndCall(who: Principal) {
    const built = createServer({
      tools: [readTool, bookTool],
      api: fakeApi(),
      principal: who,
      practices: scopeFor([practice]),
      gatesFor: () => NO_GATES,
      logger: silentLogger(),
      metrics: noMetrics,
      now: () => new Date(),
      toolTimeoutMs: 5_000,
      memo: new ToolMemo(),
      confirmationTokens: createConfirmationTokens(),
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await built.server.connect(serverSide);
    const client = new Client({ name: 'unit', version: '1' });
    await client.connect(clientSide);
    const names = (await client.listTools()).tools.map((t) => t.name);
    const call = await client
      .callTool({ name: 'test_book', arguments: {} })
      .then((r) => ({ refused: r.isError === true }))
      .catch(() => ({ refused: true }));
    await client.close();
    return { names, refused: call.refused };
  }

  it('hides and refuses the write tool for a read-only principal (a ceiling, whatever the scopes)', async () => {
    expect(await listAndCall(principal({ readOnly: true }))).toEqual({ names: ['test_read'], refused: true });
    expect(await listAndCall(principal({ scopes: ['scheduling:read'] }))).toEqual({
      names: ['test_read'],
      refused: true,
    });
    expect(await listAndCall(principal())).toEqual({ names: ['test_book', 'test_read'], refused: false });
  });
});

describe('GateRegistry', () => {
  function registry(
    read: (id: string) => Promise<{ toolKey: string; enabled: boolean }[] | 'unreadable'>,
    options: { localGatesOnly?: boolean } = {},
  ) {
    return new GateRegistry({
      practiceIds: ['p1', 'p2'],
      knownTools: CATALOG.map((t) => t.name),
      readUpstream: read,
      policyFile: undefined,
      pollSeconds: 3600,
      logger: silentLogger(),
      ...options,
    });
  }

  it('reports the practices whose rows changed, keeps the last rows on an outage, and is ready once all were read', async () => {
    let rows: Record<string, { toolKey: string; enabled: boolean }[] | Error> = {
      p1: [{ toolKey: 'find_spot', enabled: true }],
      p2: new Error('upstream down'),
    };
    const gatesRegistry = registry(async (id) => {
      const value = rows[id];
      if (value instanceof Error) throw value;
      return value ?? [];
    });
    const changes: string[][] = [];
    gatesRegistry.onChange((ids) => changes.push([...ids]));
    await gatesRegistry.start();
    expect(gatesRegistry.status()).toMatchObject({ ready: false, pendingPracticeIds: ['p2'] });

    rows = { p1: [{ toolKey: 'find_spot', enabled: false }], p2: [] };
    await gatesRegistry.poll();
    expect(changes).toEqual([['p1']]);
    expect(gatesRegistry.status().ready).toBe(true);
    expect([...gatesRegistry.gatesFor('p1').upstreamDisabled]).toEqual(['find_spot']);

    rows = { p1: new Error('outage'), p2: [] };
    await gatesRegistry.poll();
    expect([...gatesRegistry.gatesFor('p1').upstreamDisabled]).toEqual(['find_spot']);
    expect(changes).toHaveLength(1);
    gatesRegistry.stop();
  });

  it('gate rows the credential cannot read: ready, reads allowed, writes refused with the reason (fail closed)', async () => {
    const gatesRegistry = registry(async () => 'unreadable');
    await gatesRegistry.start();
    expect(gatesRegistry.status()).toMatchObject({ ready: true, unreadablePracticeIds: ['p1', 'p2'] });
    const current = gatesRegistry.gatesFor('p1');
    expect(decideTool(readTool, principal(), practice, current)).toEqual({ allowed: true });
    expect(decideTool(bookTool, principal(), practice, current)).toMatchObject({
      allowed: false,
      reason: 'gates_unreadable',
      message: expect.stringMatching(/cannot read the practice's tool settings.*--local-gates-only/),
    });
    gatesRegistry.stop();
  });

  it('--local-gates-only: unreadable rows count as none (writes on local policy alone)', async () => {
    const gatesRegistry = registry(async () => 'unreadable', { localGatesOnly: true });
    await gatesRegistry.start();
    expect(gatesRegistry.status()).toMatchObject({ unreadablePracticeIds: ['p1', 'p2'], localGatesOnly: true });
    expect(decideTool(bookTool, principal(), practice, gatesRegistry.gatesFor('p1'))).toEqual({ allowed: true });
    gatesRegistry.stop();
  });

  it('rows readable after all: writes come back and the practice is announced as changed', async () => {
    let answer: { toolKey: string; enabled: boolean }[] | 'unreadable' = 'unreadable';
    const gatesRegistry = registry(async (id) => (id === 'p1' ? answer : []));
    await gatesRegistry.start();
    const changes: string[][] = [];
    gatesRegistry.onChange((ids) => changes.push([...ids]));
    expect(decideTool(bookTool, principal(), practice, gatesRegistry.gatesFor('p1')).allowed).toBe(false);
    answer = [];
    await gatesRegistry.poll();
    expect(decideTool(bookTool, principal(), practice, gatesRegistry.gatesFor('p1'))).toEqual({ allowed: true });
    expect(changes).toEqual([['p1']]);
    expect(gatesRegistry.status().unreadablePracticeIds).toEqual([]);
    gatesRegistry.stop();
  });

  it('keeps the last rows when rows it has read before are refused (a proxy 403 must not switch tools back on)', async () => {
    let answer: { toolKey: string; enabled: boolean }[] | 'unreadable' = [{ toolKey: 'find_spot', enabled: false }];
    const gatesRegistry = registry(async () => answer);
    await gatesRegistry.start();
    const changes: string[][] = [];
    gatesRegistry.onChange((ids) => changes.push([...ids]));
    expect([...gatesRegistry.gatesFor('p1').upstreamDisabled]).toEqual(['find_spot']);
    answer = 'unreadable';
    await gatesRegistry.poll();
    expect([...gatesRegistry.gatesFor('p1').upstreamDisabled]).toEqual(['find_spot']);
    expect(changes).toEqual([]);
    answer = [];
    await gatesRegistry.poll();
    expect(gatesRegistry.gatesFor('p1').upstreamDisabled.size).toBe(0);
    expect(changes.map((ids) => ids.sort())).toEqual([['p1', 'p2']]);
    gatesRegistry.stop();
  });

  it('sees every edit of its policy file, also when each save renames a new file over it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-'));
    const file = join(dir, 'policy.json');
    const save = (disabled: string[]) => {
      // What editors and config tools do: write a new file, then rename it over the old one.
      writeFileSync(join(dir, 'policy.json.new'), JSON.stringify({ disabled }));
      renameSync(join(dir, 'policy.json.new'), file);
    };
    save([]);
    const gatesRegistry = new GateRegistry({
      practiceIds: ['p1'],
      knownTools: CATALOG.map((t) => t.name),
      readUpstream: async () => [],
      policyFile: file,
      pollSeconds: 3600,
      logger: silentLogger(),
    });
    await gatesRegistry.start();
    try {
      for (const disabled of [['find_spot'], ['find_spot', 'claims_summary'], []]) {
        save(disabled);
        await vi.waitFor(
          () => expect([...gatesRegistry.gatesFor('p1').locallyDisabled].sort()).toEqual(disabled.sort()),
          {
            timeout: 10_000,
            interval: 50,
          },
        );
      }
    } finally {
      gatesRegistry.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('REGISTRY export', () => {
  it('has exactly the API registry fields, sorted by name, one row per catalog tool', () => {
    const rows = exportRegistry([readTool, bookTool]);
    expect(rows).toEqual([
      {
        name: 'test_book',
        description: 'test_book (test only)',
        required_scopes: ['scheduling:write'],
        pass_context: true,
      },
      {
        name: 'test_read',
        description: 'test_read (test only)',
        required_scopes: ['scheduling:read'],
        pass_context: true,
      },
    ]);
    expect(exportRegistry(CATALOG).map((r) => r.name)).toEqual(CATALOG.map((t) => t.name).sort());
    expect(toolsMissingUpstream([readTool, bookTool], [{ name: 'test_read' }])).toEqual(['test_book']);
  });
});

describe('policy validation', () => {
  const known = {
    practices: [
      { id: 'p1', name: 'Sunset Smiles Dental' },
      { id: 'p2', name: 'Hudson Dental Group' },
    ],
    tools: CATALOG.map((t) => t.name),
  };
  const file = (value: unknown) => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-check-'));
    const path = join(dir, 'policy.json');
    writeFileSync(path, JSON.stringify(value));
    return path;
  };
  const registryFor = (policyFile: string, practicesKnown = true) => {
    const gatesRegistry = new GateRegistry({
      practiceIds: ['p1', 'p2'],
      knownTools: known.tools,
      readUpstream: async () => [],
      policyFile,
      pollSeconds: 3600,
      logger: silentLogger(),
    });
    if (practicesKnown) gatesRegistry.setPracticeIds(['p1', 'p2'], known.practices);
    return gatesRegistry;
  };

  it('refuses a file keyed by practice name, naming the key and the id to use instead', async () => {
    const path = file({ practices: { 'Sunset Smiles Dental': { disabled: ['find_spot'] } } });
    await expect(loadPolicy(path, known)).rejects.toThrow(
      /none of it is applied: "Sunset Smiles Dental" is a practice name: key practices by id \("p1"\)/,
    );
    await expect(registryFor(path).start()).rejects.toThrow(PolicyFileError);
  });

  it('refuses a file naming an unknown tool or practice, naming each', async () => {
    const path = file({ disabled: ['book_appointmnet'], practices: { nowhere: { disabled: ['find_spots'] } } });
    const error = await loadPolicy(path, known).catch((e: Error) => e);
    expect(error).toBeInstanceOf(PolicyFileError);
    expect((error as Error).message).toMatch(/book_appointmnet/);
    expect((error as Error).message).toMatch(/find_spots/);
    expect((error as Error).message).toMatch(/"nowhere" is not a practice this server serves/);
  });

  it('read before the practice list: tools are checked at once, practice keys once the list is read', async () => {
    await expect(registryFor(file({ disabled: ['find_spots'] }), false).start()).rejects.toThrow(/"find_spots"/);
    const gatesRegistry = registryFor(
      file({ practices: { 'Hudson Dental Group': { disabled: ['find_spot'] } } }),
      false,
    );
    await gatesRegistry.start();
    try {
      expect(gatesRegistry.policyProblems()).toEqual([]);
      gatesRegistry.setPracticeIds(['p1', 'p2'], known.practices);
      expect(gatesRegistry.policyProblems()).toEqual([
        '"Hudson Dental Group" is a practice name: key practices by id ("p2")',
      ]);
    } finally {
      gatesRegistry.stop();
    }
  });

  it('a reload naming an unknown tool keeps the previous policy whole', async () => {
    const path = file({ disabled: ['claims_summary'] });
    const gatesRegistry = registryFor(path);
    await gatesRegistry.start();
    try {
      writeFileSync(path, JSON.stringify({ disabled: ['claims_sumary', 'find_spot'] }));
      await gatesRegistry.reloadPolicy();
      expect([...gatesRegistry.gatesFor('p1').locallyDisabled]).toEqual(['claims_summary']);
    } finally {
      gatesRegistry.stop();
    }
  });
});
