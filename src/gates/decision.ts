/**
 * The one decision function for "may this principal use this tool at this practice?". It is
 * applied when listing (a refused tool is not shown) and again when calling (a refused call gets
 * a clear error even from a client holding an old list). The checks run in this order, and the
 * first refusal wins:
 *
 *   1. Escape's PracticeToolGate rows for the practice (no row = enabled; until the rows have been
 *      read once, write tools stay off — the practice may have switched them off — and reads go on;
 *      while the server's credential cannot read them at all, write tools stay off too, unless the
 *      operator chose --local-gates-only);
 *   2. the toolsets offered (--toolsets) and the operator's local policy (it can only disable:
 *      tools, or whole toolsets);
 *   3. the scopes the principal holds;
 *   4. read-only (a ceiling: write tools are refused).
 */
import { shownPlace } from '../domain/free-text.js';
import type { PracticeRef, PracticeScope, Principal, Scope } from '../tenancy/types.js';
import type { Toolset } from '../toolsets.js';

export type GateReason =
  | 'upstream_gate'
  | 'gates_unreadable'
  | 'toolset_off'
  | 'local_policy'
  | 'missing_scope'
  | 'read_only';

export type GateDecision = { allowed: true } | { allowed: false; reason: GateReason; message: string };

/** What is switched off for one practice. */
export interface PracticeGates {
  /** Tool names disabled by Escape's PracticeToolGate rows. */
  upstreamDisabled: ReadonlySet<string>;
  /** Tool names disabled by the operator's local policy (global and per practice, merged). */
  locallyDisabled: ReadonlySet<string>;
  /** Toolsets not offered here: left out of --toolsets, or disabled by the local policy (global or per practice). */
  toolsetsOff?: ReadonlySet<string>;
  /** False until Escape's gate rows for the practice have been read (or found unreadable) once. */
  upstreamKnown?: boolean;
  /** True while the server's credential cannot read the practice's gate rows (and --local-gates-only is off). */
  upstreamUnreadable?: boolean;
}

export const NO_GATES: PracticeGates = { upstreamDisabled: new Set(), locallyDisabled: new Set(), upstreamKnown: true };

/** What the decision reads of a tool definition (a tool definition is one). */
export interface GatedTool {
  name: string;
  toolset: Toolset;
  writes: boolean;
  requiredScopes: readonly Scope[];
}

export function decideTool(
  tool: GatedTool,
  principal: Principal,
  practice: { id: string; name: string },
  gates: PracticeGates,
): GateDecision {
  if (gates.upstreamDisabled.has(tool.name)) {
    return refused(
      'upstream_gate',
      () =>
        `${tool.name} is turned off for ${placeOf(practice)} in Escape Dental's tool settings. Ask the practice's Escape administrator to enable it.`,
    );
  }
  if (tool.writes && gates.upstreamKnown === false) {
    return refused(
      'upstream_gate',
      () =>
        `${tool.name} stays off for ${placeOf(practice)} until Escape Dental's tool settings for the practice can be read. Try again shortly.`,
    );
  }
  if (tool.writes && gates.upstreamUnreadable === true) {
    return refused(
      'gates_unreadable',
      () =>
        `${tool.name} is off for ${placeOf(practice)}: this server's Escape Dental credential cannot read the practice's tool settings, so a write the practice has switched off there cannot be told apart from one it allows. Ask the operator to give the credential read access to Escape's tool gates (or to start the server with --local-gates-only, accepting that risk).`,
    );
  }
  if (gates.toolsetsOff?.has(tool.toolset)) {
    return refused(
      'toolset_off',
      () =>
        `${tool.name} belongs to the ${tool.toolset} toolset, which this server does not offer for ${placeOf(practice)} (--toolsets, or the local policy's disabled_toolsets).`,
    );
  }
  if (gates.locallyDisabled.has(tool.name)) {
    return refused(
      'local_policy',
      () => `${tool.name} is disabled for ${placeOf(practice)} by this server's local policy.`,
    );
  }
  if (principal.scopes !== 'all') {
    const held = principal.scopes;
    const missing = tool.requiredScopes.filter((scope) => !held.includes(scope));
    if (missing.length > 0) {
      return refused(
        'missing_scope',
        () =>
          `${tool.name} needs the scope${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, which this credential does not carry.`,
      );
    }
  }
  if (tool.writes && principal.readOnly) {
    return refused(
      'read_only',
      () => `${tool.name} writes to Escape Dental, and this server is read-only for this caller.`,
    );
  }
  return { allowed: true };
}

/**
 * A refusal whose text is put together when it is read: listing decides every tool for every
 * practice and reads only `allowed`; a refused call reads the text once.
 */
function refused(reason: GateReason, message: () => string): GateDecision {
  return {
    allowed: false,
    reason,
    get message() {
      return message();
    },
  };
}

function placeOf(practice: { id: string; name: string }): string {
  return shownPlace(practice.name) ?? practice.id;
}

/** Stands for "whichever practice" while the practice list is not known (only local policy applies). */
const UNKNOWN_PRACTICE: PracticeRef = { id: '', name: 'the practice', timezone: 'UTC' };

/**
 * Whether a caller's tools/list shows a tool: allowed for the pinned practice, or for at least one
 * practice the caller may name; the call itself is decided again for the practice it names
 * (invokeTool). Before the practice list is read, the read tools the caller may use are listed
 * (their calls say Escape Dental is unreachable) and write tools stay hidden, as they do until a
 * practice's gate rows have been read.
 */
export function isListed(
  tool: GatedTool,
  principal: Principal,
  practices: PracticeScope,
  gatesFor: (practice: PracticeRef) => PracticeGates,
): boolean {
  if (practices.pending) {
    const gates = { ...gatesFor(UNKNOWN_PRACTICE), upstreamKnown: false };
    return decideTool(tool, principal, UNKNOWN_PRACTICE, gates).allowed;
  }
  return (practices.pinned ? [practices.pinned] : practices.available).some(
    (practice) => decideTool(tool, principal, practice, gatesFor(practice)).allowed,
  );
}
