/**
 * Which practice a tool call acts on. The practice is pinned (by configuration, by an HTTP
 * header, or because the credential sees only one); otherwise each call names it in a
 * `practice` argument, resolved here by id or name. Never a guess: an ambiguous name is refused
 * with the candidates. A practice that is known but cannot be used (disabled in Escape Dental,
 * or with data this server cannot use) is refused by name, with the reason.
 */
import { UpstreamUnavailable } from '../api/errors.js';
import { listedPractice, shownPlace } from '../domain/free-text.js';
import { editDistance, foldForMatch, nearest } from '../domain/names.js';
import { PracticeSelectionError, ToolRefusedError } from './errors.js';
import type { PendingDiscovery, PracticeRef, PracticeScope, UnavailablePractice } from './types.js';

/**
 * Up to this many practices, the `practice` argument and the refusals name every one. A DSO's
 * credential can reach hundreds: naming them all would put kilobytes into every tool's listing
 * and every refusal, so above it a name is given and a refusal names only the closest few.
 */
export const PRACTICES_NAMED_IN_FULL = 12;
/** The closest names a refusal offers once the practices are too many to name. */
export const PRACTICE_SUGGESTIONS = 5;

export function scopeFor(
  available: readonly PracticeRef[],
  pinned?: PracticeRef,
  disabled: readonly { id: string; name: string }[] = [],
  unavailable: readonly UnavailablePractice[] = [],
): PracticeScope {
  if (pinned) return { pinned, available: [pinned], disabled, unavailable };
  // One practice and nothing else known: it is the practice. With others known but unusable, calls
  // keep naming it: a `practice` argument naming another must be refused, not silently dropped.
  if (available.length === 1 && disabled.length === 0 && unavailable.length === 0) {
    return { pinned: available[0], available, disabled, unavailable };
  }
  return { pinned: undefined, available, disabled, unavailable };
}

/** The scope before the practice list has been read: nothing to act on yet. */
export function pendingScope(pending: PendingDiscovery): PracticeScope {
  return { pinned: undefined, available: [], disabled: [], unavailable: [], pending };
}

function disabledPracticeMessage(practice: { name: string }): string {
  return `${shownPlace(practice.name) ?? 'This practice'} is disabled in Escape Dental (the practice or its parent organization is inactive), so no tool can use it. Ask an Escape Dental administrator to re-activate it.`;
}

export function unavailablePracticeMessage(practice: UnavailablePractice): string {
  return `${shownPlace(practice.name) ?? 'This practice'} cannot be used: ${practice.reason}`;
}

/** What a call hears while the practice list is not known. */
export function pendingMessage(pending: PendingDiscovery): string {
  return pending.unreachable
    ? `Escape Dental is unreachable; retrying. This server could not read its practice list from Escape Dental yet, so nothing was read or changed: try again in a minute. Last error: ${pending.reason}`
    : `This server cannot serve any practice yet: ${pending.reason} It checks Escape Dental again in the background.`;
}

const fold = (text: string) =>
  text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/** Practice names folded once a practice object: every call with a `practice` argument compares them all. */
const foldedNames = new WeakMap<{ name: string }, string>();
function foldedName(practice: { name: string }): string {
  let folded = foldedNames.get(practice);
  if (folded === undefined) {
    folded = fold(practice.name);
    foldedNames.set(practice, folded);
  }
  return folded;
}

type Match<P> = { kind: 'one'; practice: P } | { kind: 'several'; matches: P[] } | { kind: 'none' };

/** By exact id, exact name, or a name fragment that matches exactly one practice. */
function matchPractice<P extends { id: string; name: string }>(reference: string, practices: readonly P[]): Match<P> {
  const wanted = reference.trim();
  const byId = practices.find((p) => p.id.toLowerCase() === wanted.toLowerCase());
  if (byId) return { kind: 'one', practice: byId };
  const folded = fold(wanted);
  if (folded === '') return { kind: 'none' };
  const exact = practices.filter((p) => foldedName(p) === folded);
  if (exact.length === 1 && exact[0]) return { kind: 'one', practice: exact[0] };
  const partial = practices.filter((p) => foldedName(p).includes(folded));
  if (partial.length === 1 && partial[0]) return { kind: 'one', practice: partial[0] };
  return partial.length > 1 ? { kind: 'several', matches: partial } : { kind: 'none' };
}

/** Finds a practice by exact id, exact name, or a name fragment that matches exactly one practice. */
export function findPractice<P extends { id: string; name: string }>(reference: string, practices: readonly P[]): P {
  const match = matchPractice(reference, practices);
  if (match.kind === 'one') return match.practice;
  if (fold(reference) === '') throw new PracticeSelectionError(`Name a practice: ${namesOrHow(practices)}.`);
  if (match.kind === 'several') {
    if (match.matches.length > PRACTICE_SUGGESTIONS) {
      const shown = closestFirst(reference, match.matches).slice(0, PRACTICE_SUGGESTIONS);
      throw new PracticeSelectionError(
        `"${reference}" matches ${match.matches.length} practices, among them ${listNames(shown)}, and ${match.matches.length - shown.length} more. Use the full name or the id.`,
      );
    }
    throw new PracticeSelectionError(
      `"${reference}" matches several practices: ${listNames(match.matches)}. Use the full name or the id.`,
    );
  }
  if (practices.length <= PRACTICES_NAMED_IN_FULL) {
    throw new PracticeSelectionError(
      `No practice called "${reference}" is available. Available: ${listNames(practices)}.`,
    );
  }
  throw new PracticeSelectionError(
    `No practice called "${reference}" is available. ${closestNames(reference, practices)}`,
  );
}

/**
 * What a refusal says about the practices there are once they are too many to name: the few whose
 * name is closest to what was given (edit distance to the name or one of its words, as provider
 * names are suggested), and how many there are in all.
 */
function closestNames(reference: string, practices: readonly { id: string; name: string }[]): string {
  const close = nearest(reference, practices, (p) => p.name, PRACTICE_SUGGESTIONS);
  return close.length > 0
    ? `Closest of the ${practices.length} practices this credential may use: ${listNames(close)}. Give the full name or the id.`
    : `None of the ${practices.length} practices this credential may use has a close name. Give the full name or the id.`;
}

/** Candidates whose whole name is nearest what was typed first; ties keep the practice order. */
function closestFirst<P extends { name: string }>(reference: string, candidates: readonly P[]): P[] {
  const typed = foldForMatch(reference);
  return candidates
    .map((practice, index) => ({ practice, index, distance: editDistance(typed, foldForMatch(practice.name)) }))
    .sort((a, b) => a.distance - b.distance || a.index - b.index)
    .map((c) => c.practice);
}

/** Every practice when they are few; else how many there are and how to name one. */
function namesOrHow(practices: readonly { id: string; name: string }[]): string {
  return practices.length <= PRACTICES_NAMED_IN_FULL
    ? listNames(practices)
    : `this credential may use ${practices.length} practices; give one's full name or its id`;
}

export function resolvePractice(scope: PracticeScope, argument: string | undefined): PracticeRef {
  if (scope.pending) {
    const message = pendingMessage(scope.pending);
    throw scope.pending.unreachable ? new UpstreamUnavailable(message) : new ToolRefusedError(message);
  }
  const chosen = scope.pinned
    ? pinnedUnlessNamedOtherwise(scope.pinned, argument)
    : chooseFromArgument(scope, argument);
  refuseUnusable(scope, chosen.id);
  return chosen;
}

/** The pinned practice; a call naming another is refused, not run for the pinned one without saying so. */
function pinnedUnlessNamedOtherwise(pinned: PracticeRef, argument: string | undefined): PracticeRef {
  if (argument === undefined || argument.trim() === '' || matchPractice(argument, [pinned]).kind === 'one') {
    return pinned;
  }
  throw new PracticeSelectionError(
    `This connection is pinned to ${pinned.name} (${pinned.id}), and the call's practice argument does not name it, so it was not run. Leave out practice to act on ${pinned.name}; for another practice, connect without the pin (ESCAPE_PRACTICE, or the X-Escape-Practice header over HTTP) with a credential that grants it.`,
  );
}

function refuseUnusable(scope: PracticeScope, id: string): void {
  const disabled = scope.disabled.find((p) => p.id === id);
  if (disabled) throw new PracticeSelectionError(disabledPracticeMessage(disabled));
  const unavailable = scope.unavailable.find((p) => p.id === id);
  if (unavailable) throw new PracticeSelectionError(unavailablePracticeMessage(unavailable));
}

function chooseFromArgument(scope: PracticeScope, argument: string | undefined): PracticeRef {
  if (argument === undefined || argument.trim() === '') {
    throw new PracticeSelectionError(
      scope.available.length <= PRACTICES_NAMED_IN_FULL
        ? `Say which practice: pass "practice" as one of ${listNames(scope.available)} (a name or an id).`
        : `Say which practice: pass "practice" as a practice's full name or its id (this credential may use ${scope.available.length} practices).`,
    );
  }
  const wanted = argument.trim().toLowerCase();
  const known = [...scope.disabled, ...scope.unavailable];
  // A practice that cannot be used is named with the reason, not reported as unknown: by its id
  // or full name, or by a fragment that matches no usable practice and exactly one of these.
  const exact = known.find((p) => p.id.toLowerCase() === wanted || p.name.toLowerCase() === wanted);
  if (exact) refuseUnusable(scope, exact.id);
  if (matchPractice(argument, scope.available).kind === 'none') {
    const other = matchPractice(argument, known);
    if (other.kind === 'one') refuseUnusable(scope, other.practice.id);
  }
  return findPractice(argument, scope.available);
}

function listNames(practices: readonly { id: string; name: string }[]): string {
  return practices.map((p) => listedPractice(p)).join(', ');
}
