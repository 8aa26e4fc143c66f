/**
 * The tenancy vocabulary every layer shares: who calls (Principal), with which rights (Scope),
 * and which practices a message may act on (PracticeRef, PracticeScope).
 */

/** The MCP server's own scope taxonomy; tools declare `requiredScopes` from this list. */
export const SCOPES = [
  'scheduling:read',
  'scheduling:write',
  'patients:read',
  'patients:write',
  'insurance:read',
  'reports:read',
] as const;
export type Scope = (typeof SCOPES)[number];

export const isScope = (value: string): value is Scope => (SCOPES as readonly string[]).includes(value);

/** A practice the server may act on. */
export interface PracticeRef {
  id: string;
  name: string;
  timezone: string;
}

/** Who is calling: the verified inbound caller over HTTP, or the local operator on stdio. */
export interface Principal {
  id: string;
  kind: 'local' | 'api-key' | 'jwt' | 'anonymous';
  /** Practice ids this principal may act on; 'all' = whatever the upstream credential can see. */
  practiceIds: 'all' | readonly string[];
  /** Scopes of the MCP server's own taxonomy; 'all' for the local operator. */
  scopes: 'all' | readonly Scope[];
  readOnly: boolean;
}

/** A practice the credential is linked to that no tool can use, and why (plain words). */
export interface UnavailablePractice {
  id: string;
  name: string;
  reason: string;
}

/** Why the practice list is not known yet (see runtime: discovery retries in the background). */
export interface PendingDiscovery {
  /** Plain words: the last error, or what is wrong with what Escape Dental answered. */
  readonly reason: string;
  /** True while Escape Dental could not be reached (rather than answering something unusable). */
  readonly unreachable: boolean;
  /** The configuration pins one practice: tools take no `practice` argument, now or later. */
  readonly pinnedByConfiguration: boolean;
}

export interface PracticeScope {
  /** Set when every call acts on one practice; the `practice` argument is then absent. */
  pinned: PracticeRef | undefined;
  /** Every practice calls may name (the pinned one alone when pinned). */
  available: readonly PracticeRef[];
  /** Practices the credential is linked to but Escape Dental has disabled: named only to explain a refusal. */
  disabled: readonly { id: string; name: string }[];
  /** Practices known but unusable (an unusable time zone, unreadable): named only to explain a refusal. */
  unavailable: readonly UnavailablePractice[];
  /** Set until the practice list has been read once: every call is answered with the reason. */
  pending?: PendingDiscovery | undefined;
}
