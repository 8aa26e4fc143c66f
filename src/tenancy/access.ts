/**
 * Which practices a message may act on: one decision, made by one function for every transport
 * (stdio, 2026-07-28 stateless HTTP, 2025 sessions, legacy HTTP+SSE) and on every message.
 *
 * Inputs are what the message itself carries — the principal of the credential presented with
 * it, the practices that credential grants, its X-Escape-Practice pin — plus the practices this
 * server serves, and for a tool call its `practice` argument. A session (or any server built for
 * one caller) remembers the grant it was opened with; a later message whose own decision grants
 * anything else (other practices, another pin, other scopes, read-only) is refused rather than
 * served with what the session was opened for. The HTTP layer decides each message before it
 * reaches a session (a refusal is a 403); `invokeTool` decides each tool call again with the
 * same function, so no transport can hand a call the grants of an earlier credential.
 */

import { listedPractice, shownPlace } from '../domain/free-text.js';
import { PracticeSelectionError } from './errors.js';
import { findPractice, PRACTICES_NAMED_IN_FULL, resolvePractice, scopeFor } from './practice.js';
import type { PracticeRef, PracticeScope, Principal } from './types.js';

/** What one message presents: its verified principal, and the practice it pins (HTTP header). */
export interface MessageCredential {
  principal: Principal;
  /** The X-Escape-Practice header of this message; always undefined on stdio. */
  pin: string | undefined;
}

/** What a decision granted, in a form a session keeps and compares with every later message's. */
export interface AccessGrant {
  principalId: string;
  /** The practices granted (and the pin), or 'pending' before the practice list has been read. */
  practices: string;
  /** The scopes and the read-only flag granted. */
  rights: string;
}

export interface AccessRequest extends MessageCredential {
  /** The practices this server serves (discovery, or the operator's --practice pin). */
  served: PracticeScope;
  /** The grant of the session or server this message reaches, when it reaches one. */
  openedWith?: AccessGrant | undefined;
  /** Present when deciding a tool call: the call's `practice` argument (possibly absent). */
  call?: { practiceArgument: string | undefined } | undefined;
}

export type AccessRefusal =
  /** The credential grants none of the practices this server serves. */
  | 'no_practice'
  /** The pin header names a practice outside the credential (or no practice at all). */
  | 'pin_outside'
  /** The message's grant differs from the one its session was opened with. */
  | 'grant_changed'
  /** The tool call's `practice` argument is missing, unknown, ambiguous or disabled. */
  | 'practice_argument';

export type AccessDecision =
  | {
      ok: true;
      /** The practices this message may act on. */
      scope: PracticeScope;
      grant: AccessGrant;
      /** The one practice a tool call acts on (set when deciding a call). */
      practice: PracticeRef | undefined;
    }
  | { ok: false; reason: AccessRefusal; message: string };

/** The one authorization decision: see the module comment. */
export function authorizeAccess(request: AccessRequest): AccessDecision {
  const { served } = request;
  // Before the practice list is read there is nothing to grant or refuse: a call says so
  // (resolvePractice), and sessions get their practices once it is read (McpHttpEndpoints.rescope).
  if (served.pending) return decided(request, served);
  const scoped = messageScope(request.principal, served, request.pin?.trim() ?? '');
  return scoped.ok ? decided(request, scoped.scope) : scoped;
}

type ScopeOutcome = { ok: true; scope: PracticeScope } | Extract<AccessDecision, { ok: false }>;

/**
 * Scopes already decided, by the served scope (discovery replaces it when the practice list
 * changes), the principal (one object an API key; a JWT's lives for its request) and the pin:
 * every message of a key decides the same scope, and its tool call decides it again.
 */
const decidedScopes = new WeakMap<PracticeScope, WeakMap<Principal, Map<string, ScopeOutcome>>>();
/** Pins remembered a principal: the header is the client's to vary. */
const PINS_REMEMBERED = 8;

function messageScope(principal: Principal, served: PracticeScope, pin: string): ScopeOutcome {
  const byPin = remembered(
    remembered(decidedScopes, served, () => new WeakMap()),
    principal,
    () => new Map(),
  );
  let outcome = byPin.get(pin);
  if (!outcome) {
    outcome = scopeOf(principal, served, pin);
    if (byPin.size < PINS_REMEMBERED) byPin.set(pin, outcome);
  }
  return outcome;
}

/** The practices a principal may act on among those served, narrowed by the message's pin. */
function scopeOf(principal: Principal, served: PracticeScope, wanted: string): ScopeOutcome {
  const granted = <T extends { id: string }>(list: readonly T[]): T[] =>
    principal.practiceIds === 'all' ? [...list] : list.filter((p) => principal.practiceIds.includes(p.id));
  const available = granted(served.available);
  const disabled = granted(served.disabled);
  const unavailable = granted(served.unavailable);
  if (available.length === 0) {
    return {
      ok: false,
      reason: 'no_practice',
      message: served.pinned
        ? `This credential may not use ${shownPlace(served.pinned.name) ?? served.pinned.id}, the practice this server serves.`
        : 'This credential grants no practice this server serves.',
    };
  }

  let pinned = served.pinned;
  if (wanted) {
    try {
      pinned = findPractice(wanted, available);
    } catch {
      // The same message whether or not the practice exists: the header is no way to probe for others.
      const names =
        available.length <= PRACTICES_NAMED_IN_FULL
          ? `Use one of: ${available.map((p) => listedPractice(p)).join(', ')}.`
          : `Use the full name or the id of one of the ${available.length} practices it may use.`;
      return {
        ok: false,
        reason: 'pin_outside',
        message: `X-Escape-Practice "${wanted.slice(0, 120)}" is not a practice this credential may use. ${names}`,
      };
    }
  }
  return { ok: true, scope: scopeFor(available, pinned, disabled, unavailable) };
}

/** The rest of the decision once the scope is known: the session's grant, then the call's practice. */
function decided(request: AccessRequest, scope: PracticeScope): AccessDecision {
  const grant = grantOf(request.principal, scope);
  const opened = request.openedWith;
  if (opened && !sameGrant(opened, grant)) {
    return {
      ok: false,
      reason: 'grant_changed',
      message:
        'This session was opened with other grants than the credential presented now carries (its practices, X-Escape-Practice, scopes or read-only differ). Open a new session with this credential.',
    };
  }
  if (!request.call) return { ok: true, scope, grant, practice: undefined };
  try {
    return { ok: true, scope, grant, practice: resolvePractice(scope, request.call.practiceArgument) };
  } catch (error) {
    // Other errors (Escape Dental unreachable while the practice list is unknown) are not
    // refusals of this credential: they propagate, and the call says what they say.
    if (error instanceof PracticeSelectionError) {
      return { ok: false, reason: 'practice_argument', message: error.message };
    }
    throw error;
  }
}

/** Grants already worked out, by scope and principal (see decidedScopes). */
const grants = new WeakMap<PracticeScope, WeakMap<Principal, AccessGrant>>();

/** The grant a principal holds over a scope, as a session keeps it. */
export function grantOf(principal: Principal, scope: PracticeScope): AccessGrant {
  return remembered(
    remembered(grants, scope, () => new WeakMap()),
    principal,
    () => grantFrom(principal, scope),
  );
}

function remembered<K extends object, V>(memory: WeakMap<K, V>, key: K, work: () => V): V {
  let value = memory.get(key);
  if (value === undefined) {
    value = work();
    memory.set(key, value);
  }
  return value;
}

function grantFrom(principal: Principal, scope: PracticeScope): AccessGrant {
  const practices = scope.pending
    ? 'pending'
    : scope.pinned
      ? `pinned:${scope.pinned.id}`
      : `any:${scope.available
          .map((p) => p.id)
          .sort()
          .join(',')}`;
  const scopes = principal.scopes === 'all' ? 'all' : [...new Set(principal.scopes)].sort().join(' ');
  return { principalId: principal.id, practices, rights: `${scopes}|${principal.readOnly ? 'ro' : 'rw'}` };
}

/**
 * The same principal and rights, and the same practices — unless one side was decided before the
 * practice list was read ('pending' grants no practice yet, and refuses none).
 */
function sameGrant(a: AccessGrant, b: AccessGrant): boolean {
  if (a.principalId !== b.principalId || a.rights !== b.rights) return false;
  return a.practices === b.practices || a.practices === 'pending' || b.practices === 'pending';
}
