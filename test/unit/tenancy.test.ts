/**
 * The one authorization decision (src/tenancy/access.ts), as a table: principal × grants × pin header ×
 * the grant a session was opened with × the call's practice argument → a scope or a refusal. And
 * invokeTool deciding each call with the credential of its own message, not with the one its
 * server was built for. (The same cases over every transport: test/security/tenancy.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type AccessRequest, authorizeAccess, grantOf } from '../../src/tenancy/access.js';
import { pendingScope, scopeFor } from '../../src/tenancy/practice.js';
import type { PracticeRef, Principal } from '../../src/tenancy/types.js';
import { type InvokeDependencies, invokeTool } from '../../src/tools/framework/invoke.js';
import type { AnyToolDefinition } from '../../src/tools/framework/types.js';
import { invokeDeps } from './tools/invoke-deps.js';

const la: PracticeRef = { id: 'la', name: 'Sunset Smiles Dental', timezone: 'America/Los_Angeles' };
const ny: PracticeRef = { id: 'ny', name: 'Hudson Dental Group', timezone: 'America/New_York' };
const served = scopeFor([la, ny], undefined, [{ id: 'chi', name: 'Lakeshore' }]);

const principal = (practiceIds: Principal['practiceIds'], extra: Partial<Principal> = {}): Principal => ({
  id: 'jwt:user-1',
  kind: 'jwt',
  practiceIds,
  scopes: ['scheduling:read', 'scheduling:write'],
  readOnly: false,
  ...extra,
});

const openedBoth = grantOf(principal(['la', 'ny']), scopeFor([la, ny]));
const PENDING = { reason: 'Escape Dental has not answered yet', unreachable: true, pinnedByConfiguration: false };

interface Row {
  name: string;
  request: Omit<AccessRequest, 'served'> & { served?: AccessRequest['served'] };
  /** The practice pinned (or acted on, for a call), or the refusal's reason. */
  expected: { pinned?: string | null; practice?: string; available?: string[] } | { refused: string };
}

const ROWS: Row[] = [
  {
    name: 'all practices, no pin: both, none pinned',
    request: { principal: principal('all'), pin: undefined },
    expected: { pinned: null, available: ['la', 'ny'] },
  },
  {
    name: 'grants intersected with what is served (one left = pinned)',
    request: { principal: principal(['la', 'elsewhere']), pin: undefined },
    expected: { pinned: 'la', available: ['la'] },
  },
  {
    name: 'no served practice granted',
    request: { principal: principal([]), pin: undefined },
    expected: { refused: 'no_practice' },
  },
  {
    name: 'a server pinned to a practice the credential lacks',
    request: { principal: principal(['la']), pin: undefined, served: scopeFor([la, ny], ny) },
    expected: { refused: 'no_practice' },
  },
  {
    name: 'pin header by name',
    request: { principal: principal('all'), pin: 'hudson dental' },
    expected: { pinned: 'ny', available: ['ny'] },
  },
  {
    name: 'pin header outside the grants',
    request: { principal: principal(['la']), pin: 'ny' },
    expected: { refused: 'pin_outside' },
  },
  {
    name: 'pin header naming no practice at all',
    request: { principal: principal(['la']), pin: 'Nowhere Dental' },
    expected: { refused: 'pin_outside' },
  },
  {
    name: 'session opened for both, same grants now',
    request: { principal: principal(['la', 'ny']), pin: undefined, openedWith: openedBoth },
    expected: { pinned: null, available: ['la', 'ny'] },
  },
  {
    name: 'session opened for both, token narrowed to one practice',
    request: { principal: principal(['la']), pin: undefined, openedWith: openedBoth },
    expected: { refused: 'grant_changed' },
  },
  {
    name: 'session opened for both, a pin header now',
    request: { principal: principal(['la', 'ny']), pin: 'la', openedWith: openedBoth },
    expected: { refused: 'grant_changed' },
  },
  {
    name: 'session opened for both, scopes narrowed',
    request: {
      principal: principal(['la', 'ny'], { scopes: ['scheduling:read'] }),
      pin: undefined,
      openedWith: openedBoth,
    },
    expected: { refused: 'grant_changed' },
  },
  {
    name: 'session opened for both, read-only now',
    request: { principal: principal(['la', 'ny'], { readOnly: true }), pin: undefined, openedWith: openedBoth },
    expected: { refused: 'grant_changed' },
  },
  {
    name: 'session opened by another principal',
    request: { principal: principal(['la', 'ny'], { id: 'jwt:user-2' }), pin: undefined, openedWith: openedBoth },
    expected: { refused: 'grant_changed' },
  },
  {
    name: 'call naming a practice by name',
    request: { principal: principal('all'), pin: undefined, call: { practiceArgument: 'hudson' } },
    expected: { pinned: null, practice: 'ny' },
  },
  {
    name: 'call naming a practice outside the grants',
    request: { principal: principal(['la', 'chi']), pin: undefined, call: { practiceArgument: 'ny' } },
    expected: { refused: 'practice_argument' },
  },
  {
    name: 'one practice granted and nothing else known: pinned, an argument naming another is refused, not dropped',
    request: { principal: principal(['la']), pin: undefined, call: { practiceArgument: 'ny' } },
    expected: { refused: 'practice_argument' },
  },
  {
    name: 'one practice granted and nothing else known: an argument naming that practice runs for it',
    request: { principal: principal(['la']), pin: undefined, call: { practiceArgument: 'la' } },
    expected: { pinned: 'la', practice: 'la' },
  },
  {
    name: 'before the practice list is read: nothing granted or refused yet',
    request: { principal: principal(['la']), pin: 'ny', served: pendingScope(PENDING) },
    expected: { available: [] },
  },
  {
    name: 'a session opened before the practice list was read, a message after',
    request: {
      principal: principal(['la', 'ny']),
      pin: undefined,
      openedWith: grantOf(principal(['la', 'ny']), pendingScope(PENDING)),
    },
    expected: { pinned: null, available: ['la', 'ny'] },
  },
  {
    name: 'a session opened before the practice list was read, a message with fewer rights after',
    request: {
      principal: principal(['la', 'ny'], { readOnly: true }),
      pin: undefined,
      openedWith: grantOf(principal(['la', 'ny']), pendingScope(PENDING)),
    },
    expected: { refused: 'grant_changed' },
  },
  {
    name: 'call with no practice argument when several are granted',
    request: { principal: principal('all'), pin: undefined, call: { practiceArgument: undefined } },
    expected: { refused: 'practice_argument' },
  },
  {
    name: 'call naming a disabled practice',
    request: { principal: principal('all'), pin: undefined, call: { practiceArgument: 'Lakeshore' } },
    expected: { refused: 'practice_argument' },
  },
  {
    name: 'call under a pin header, argument naming the other practice: refused, never run for the pinned one',
    request: { principal: principal('all'), pin: 'la', call: { practiceArgument: 'ny' } },
    expected: { refused: 'practice_argument' },
  },
  {
    name: 'call under a pin header, argument naming the pinned practice: runs for it',
    request: { principal: principal('all'), pin: 'la', call: { practiceArgument: 'la' } },
    expected: { pinned: 'la', practice: 'la' },
  },
];

describe('authorizeAccess', () => {
  it.each(ROWS.map((row) => [row.name, row] as const))('%s', (_name, row) => {
    const decision = authorizeAccess({ served, ...row.request });
    if ('refused' in row.expected) {
      expect(decision).toMatchObject({ ok: false, reason: row.expected.refused });
      expect(decision.ok === false && decision.message.length).toBeGreaterThan(20);
      return;
    }
    if (!decision.ok) throw new Error(`refused: ${decision.message}`);
    if (row.expected.pinned !== undefined) expect(decision.scope.pinned?.id ?? null).toBe(row.expected.pinned);
    if (row.expected.available) expect(decision.scope.available.map((p) => p.id)).toEqual(row.expected.available);
    if (row.expected.practice) expect(decision.practice?.id).toBe(row.expected.practice);
  });

  it('refuses a pin outside the grants with the same words whether or not the practice exists', () => {
    const outside = authorizeAccess({ served, principal: principal(['la']), pin: 'ny' });
    const missing = authorizeAccess({ served, principal: principal(['la']), pin: 'Nowhere Dental' });
    const message = (a: typeof outside) => (a.ok ? '' : a.message.replace(/"[^"]*" is/, '"…" is'));
    expect(message(outside)).toBe(message(missing));
  });

  it('a server pinned to another practice is named in the refusal', () => {
    const decision = authorizeAccess({ served: scopeFor([la, ny], ny), principal: principal(['la']), pin: undefined });
    expect(decision).toMatchObject({ ok: false, message: expect.stringContaining('Hudson Dental Group') });
  });

  it('the grant does not depend on the order scopes or practices are listed in', () => {
    const one = grantOf(
      principal(['la', 'ny'], { scopes: ['reports:read', 'insurance:read', 'insurance:read'] }),
      scopeFor([la, ny]),
    );
    const other = grantOf(principal(['ny', 'la'], { scopes: ['insurance:read', 'reports:read'] }), scopeFor([ny, la]));
    expect(one).toEqual(other);
  });
});

describe('invokeTool decides each call with the credential of its own message', () => {
  let ran: string[] = [];
  const tool: AnyToolDefinition = {
    name: 'echo_practice',
    toolset: 'scheduling',
    title: 'Echo',
    description: 'Echoes the practice it ran for.',
    inputSchema: z.object({}),
    outputSchema: z.object({ practice: z.string() }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    requiredScopes: ['scheduling:read'],
    writes: false,
    operations: [],
    handler: async (context) => {
      ran.push(context.practice.id);
      return { structured: { practice: context.practice.id }, summary: context.practice.name };
    },
  };
  const built = principal(['la', 'ny']);
  const deps = (overrides: Partial<InvokeDependencies> = {}) =>
    invokeDeps(scopeFor([la, ny]), { principal: built, served: () => served, ...overrides });
  const round = (credential?: { principal: Principal; pin?: string }) => ({
    signal: undefined,
    confirmation: { answer: 'none' as const, supported: false },
    credential: credential ? { principal: credential.principal, pin: credential.pin } : undefined,
  });

  it('a server built for A and B does not act on B for a message whose token grants A only', async () => {
    ran = [];
    const narrowed = await invokeTool(tool, { practice: 'ny' }, deps(), round({ principal: principal(['la']) }));
    expect(narrowed.kind).toBe('error');
    expect(narrowed.kind === 'error' && narrowed.text).toMatch(/Open a new session/);
    const pinned = await invokeTool(tool, { practice: 'ny' }, deps(), round({ principal: built, pin: 'la' }));
    expect(pinned.kind).toBe('error');
    expect(ran).toEqual([]);
    const same = await invokeTool(tool, { practice: 'ny' }, deps(), round({ principal: built }));
    expect(same).toMatchObject({ kind: 'ok', structured: { practice: 'ny' } });
    expect(ran).toEqual(['ny']);
  });

  it('over HTTP a call without its message credential is refused, never run with the built one', async () => {
    ran = [];
    const outcome = await invokeTool(tool, { practice: 'la' }, deps({ credentialPerMessage: true }), round());
    expect(outcome.kind === 'error' && outcome.text).toMatch(/without a verified credential/);
    expect(ran).toEqual([]);
  });

  it('gates and scopes are those of the message credential', async () => {
    ran = [];
    const noScope = principal(['la', 'ny'], { scopes: [] });
    // Same practices and a server built for them with the scope: the narrower grant is refused.
    const outcome = await invokeTool(tool, { practice: 'la' }, deps(), round({ principal: noScope }));
    expect(outcome.kind).toBe('error');
    expect(ran).toEqual([]);
  });
});

describe('a credential reaching more practices than are named in full', () => {
  const many: PracticeRef[] = Array.from({ length: 40 }, (_, i) => ({
    id: `p${i}`,
    name: `Practice Number ${i}`,
    timezone: 'America/Chicago',
  }));
  const named = (text: string) => many.filter((p) => text.includes(`"${p.name}"`)).length;

  it('a call without a practice argument is told how to name one, without a list of every practice', () => {
    const decision = authorizeAccess({
      principal: principal('all'),
      pin: undefined,
      served: scopeFor(many),
      call: { practiceArgument: undefined },
    });
    expect(decision.ok).toBe(false);
    const message = decision.ok ? '' : decision.message;
    expect(message).toMatch(/Say which practice: .*full name or its id .*40 practices/);
    expect(named(message)).toBe(0);
  });

  it('an X-Escape-Practice header naming no practice is refused without listing them', () => {
    const decision = authorizeAccess({ principal: principal('all'), pin: 'Nowhere Dental', served: scopeFor(many) });
    expect(decision.ok ? undefined : decision.reason).toBe('pin_outside');
    const message = decision.ok ? '' : decision.message;
    expect(message).toContain('40 practices');
    expect(named(message)).toBe(0);
  });
});
