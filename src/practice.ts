/**
 * Which practice a tool call acts on. The practice is pinned (by configuration, by an HTTP
 * header, or because the credential sees only one); otherwise each call names it in a
 * `practice` argument, resolved here by id or name. Never a guess: an ambiguous name is refused
 * with the candidates.
 */
import { PracticeSelectionError } from './tools/errors.js';
import type { PracticeRef } from './tools/types.js';

export interface PracticeScope {
  /** Set when every call acts on one practice; the `practice` argument is then absent. */
  pinned: PracticeRef | undefined;
  /** Every practice calls may name (the pinned one alone when pinned). */
  available: readonly PracticeRef[];
  /** Practices the credential is linked to but Escape Dental has disabled: named only to explain a refusal. */
  disabled: readonly { id: string; name: string }[];
}

export function scopeFor(
  available: readonly PracticeRef[],
  pinned?: PracticeRef,
  disabled: readonly { id: string; name: string }[] = [],
): PracticeScope {
  if (pinned) return { pinned, available: [pinned], disabled };
  if (available.length === 1) return { pinned: available[0], available, disabled };
  return { pinned: undefined, available, disabled };
}

export function disabledPracticeMessage(practice: { name: string }): string {
  return `${practice.name} is disabled in Escape Dental (the practice or its parent organization is inactive), so no tool can use it. Ask an Escape Dental administrator to re-activate it.`;
}

const fold = (text: string) =>
  text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/** Finds a practice by exact id, exact name, or a name fragment that matches exactly one practice. */
export function findPractice(reference: string, practices: readonly PracticeRef[]): PracticeRef {
  const wanted = reference.trim();
  const byId = practices.find((p) => p.id.toLowerCase() === wanted.toLowerCase());
  if (byId) return byId;
  const folded = fold(wanted);
  if (folded === '') throw new PracticeSelectionError(`Name a practice: ${listNames(practices)}.`);
  const exact = practices.filter((p) => fold(p.name) === folded);
  if (exact.length === 1 && exact[0]) return exact[0];
  const partial = practices.filter((p) => fold(p.name).includes(folded));
  if (partial.length === 1 && partial[0]) return partial[0];
  if (partial.length > 1) {
    throw new PracticeSelectionError(
      `"${reference}" matches several practices: ${listNames(partial)}. Use the full name or the id.`,
    );
  }
  throw new PracticeSelectionError(
    `No practice called "${reference}" is available. Available: ${listNames(practices)}.`,
  );
}

export function resolvePractice(scope: PracticeScope, argument: string | undefined): PracticeRef {
  const chosen = scope.pinned ?? chooseFromArgument(scope, argument);
  const disabled = scope.disabled.find((p) => p.id === chosen.id);
  if (disabled) throw new PracticeSelectionError(disabledPracticeMessage(disabled));
  return chosen;
}

function chooseFromArgument(scope: PracticeScope, argument: string | undefined): PracticeRef {
  if (argument === undefined || argument.trim() === '') {
    throw new PracticeSelectionError(
      `Say which practice: pass "practice" as one of ${listNames(scope.available)} (a name or an id).`,
    );
  }
  const wanted = argument.trim().toLowerCase();
  const disabled = scope.disabled.find((p) => p.id.toLowerCase() === wanted || p.name.toLowerCase() === wanted);
  if (disabled) throw new PracticeSelectionError(disabledPracticeMessage(disabled));
  return findPractice(argument, scope.available);
}

function listNames(practices: readonly PracticeRef[]): string {
  return practices.map((p) => `"${p.name}" (${p.id})`).join(', ');
}
