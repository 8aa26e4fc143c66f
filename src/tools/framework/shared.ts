/**
 * Pieces several tools share: argument schemas for staff-style inputs, provider and operatory
 * resolution against the cached rosters, and display names (raw, for structured content; a tool's
 * text shows them through `free-text.ts`).
 */
import { z } from 'zod';
import { noteDivergence } from '../../api/divergence.js';
import type { Operatory, Provider } from '../../api/port.js';
import { parseLocalDate, todayIn } from '../../domain/dates.js';
import { shownName, shownPlace } from '../../domain/free-text.js';
import { foldForMatch, resolveProvider, sanitizeUserText } from '../../domain/names.js';
import { ToolInputError } from './errors.js';
import type { ToolContext } from './types.js';

export const localDateArgument = (description: string) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'use a calendar date as YYYY-MM-DD, e.g. 2026-03-14' })
    .describe(description);

/** How long a visit is: minutes, or a kind of visit whose usual length the practice's history gives. */
export const visitLengthArguments = {
  duration_minutes: z
    .number()
    .int()
    .min(5, { error: 'duration_minutes must be at least 5' })
    .max(480, { error: 'duration_minutes must be at most 480 (8 hours)' })
    .optional()
    .describe('Length in minutes, 5–480. Give this or appointment_type.'),
  appointment_type: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe('Kind of visit, e.g. "Crown Prep"; its usual length here is used when duration_minutes is absent.'),
};

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export const WEEKDAY_LABELS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

/** Parses a YYYY-MM-DD argument into a real calendar date (2026-02-30 is refused here). */
export function checkedDate(value: string | undefined, label: string): string | undefined {
  if (value === undefined) return undefined;
  try {
    return parseLocalDate(value, label);
  } catch {
    throw new ToolInputError(`${label} "${value}" is not a real calendar date. Use YYYY-MM-DD, e.g. 2026-03-14.`);
  }
}

export function providerName(provider: Provider): string {
  const name =
    [provider.first_name, provider.last_name].filter(Boolean).join(' ') || provider.abbreviation || provider.id;
  return provider.provider_type === 'dentist' ? `Dr. ${name}` : name;
}

export function operatoryName(operatory: Operatory): string {
  return operatory.name || operatory.abbreviation || operatory.id;
}

/** A provider's name as it appears in a tool's text. */
export function providerText(provider: Provider): string {
  return shownName(providerName(provider)) ?? `provider ${provider.id}`;
}

/** A chair's name as it appears in a tool's text. */
export function operatoryText(operatory: Operatory): string {
  return shownPlace(operatoryName(operatory)) ?? `chair ${operatory.id}`;
}

/** Resolves staff references ("Dr. Dana", "Synthetic", an id) to active providers. Never guesses. */
export async function resolveProviders(
  context: ToolContext,
  references: readonly string[] | undefined,
): Promise<Provider[]> {
  if (!references || references.length === 0) return [];
  const roster = await context.api.reference.providers(context.practice.id, { signal: context.signal });
  const resolved: Provider[] = [];
  for (const reference of references) {
    const result = resolveProvider(reference, roster);
    if (result.status === 'none') {
      const suggestions = result.suggestions.map(providerText);
      throw new ToolInputError(
        `No provider at ${shownPlace(context.practice.name)} matches "${reference}".${suggestions.length ? ` Did you mean ${suggestions.join(', ')}?` : ''} Leave the provider out to search everyone.`,
      );
    }
    if (result.status === 'ambiguous') {
      const active = result.candidates.filter((p) => p.is_active !== false);
      if (active.length !== 1) {
        throw new ToolInputError(
          `"${reference}" matches several providers: ${result.candidates.map(providerText).join(', ')}. Use the full name.`,
        );
      }
      resolved.push(active[0] as Provider);
      continue;
    }
    if (result.match.is_active === false) {
      throw new ToolInputError(
        `${providerText(result.match)} is no longer active at ${shownPlace(context.practice.name)}.`,
      );
    }
    resolved.push(result.match);
  }
  return dedupeById(resolved);
}

/**
 * The chair list completed with the chairs `date`'s day sheet names (its chairs, and the chairs of
 * that day's appointments) that the list lacks, each read by id for its bookable and hidden flags:
 * the spec says the list holds every chair (L5676), but a list that leaves chairs out would make
 * "any chair" miss the right ones, or a chair named by staff "unknown". `notes` says what was
 * added. When the day sheet cannot be read, the list is taken as it is.
 */
export async function completeChairList(
  context: ToolContext,
  listed: readonly Operatory[],
  date: string,
): Promise<{ operatories: Operatory[]; notes: string[] }> {
  const sheet = await context.api.scheduling
    .daySheet(context.practice.id, date, {}, { signal: context.signal })
    .catch(() => undefined);
  if (!sheet) return { operatories: [...listed], notes: [] };
  const known = new Set(listed.map((o) => o.id));
  const missing = new Set<string>();
  for (const chair of sheet.operatories ?? []) if (chair.id && !known.has(chair.id)) missing.add(chair.id);
  for (const row of sheet.appointments ?? []) {
    const chair = (row as { operatory?: unknown } | null)?.operatory;
    if (typeof chair === 'string' && chair !== '' && !known.has(chair)) missing.add(chair);
  }
  if (missing.size === 0) return { operatories: [...listed], notes: [] };
  const found = await Promise.all(
    [...missing].map((id) =>
      context.api.reference.operatory(context.practice.id, id, { signal: context.signal }).catch(() => undefined),
    ),
  );
  const added = found.filter((o): o is Operatory => o !== undefined && !known.has(o.id));
  const unread = missing.size - added.length;
  const operatories = [...listed, ...added].sort((a, b) => (a.sort_order ?? 0) - (b.sort_order ?? 0));
  const notes = [
    `Escape Dental's chair list left out ${missing.size === 1 ? 'a chair' : `${missing.size} chairs`} that the day sheet for ${date} shows${added.length > 0 ? `; read one by one: ${added.map(operatoryText).join(', ')}` : ''}${unread > 0 ? `; ${unread} could not be read` : ''}.`,
  ];
  context.log.warn({ missing: missing.size, read: added.length }, 'operatory list left out chairs the day sheet shows');
  return { operatories, notes };
}

/**
 * Resolves chair references ("Op 2", "Hyg 1", an id) to bookable operatories, against `roster`
 * when the caller has one already checked (the write tools), else the cached chair list — which,
 * when a reference matches none of it, is first completed from today's day sheet: a chair the
 * list left out is not "no such chair".
 */
export async function resolveOperatories(
  context: ToolContext,
  references: readonly string[] | undefined,
  checkedRoster?: readonly Operatory[],
): Promise<Operatory[]> {
  if (!references || references.length === 0) return [];
  let roster =
    checkedRoster ?? (await context.api.reference.operatories(context.practice.id, { signal: context.signal }));
  let completed = checkedRoster !== undefined;
  const resolved: Operatory[] = [];
  for (const reference of references) {
    const wanted = foldForMatch(sanitizeUserText(reference, { maxLength: 100, label: 'operatory' }));
    const find = (list: readonly Operatory[]) => {
      const exact = list.filter(
        (o) =>
          o.id.toLowerCase() === reference.trim().toLowerCase() ||
          foldForMatch(o.name ?? '') === wanted ||
          foldForMatch(o.abbreviation ?? '') === wanted,
      );
      return exact.length > 0 ? exact : list.filter((o) => foldForMatch(o.name ?? '').includes(wanted));
    };
    let matches = find(roster);
    if (matches.length === 0 && !completed) {
      const today = todayIn(context.practice.timezone, context.now());
      const complete = await completeChairList(context, roster, today);
      for (const text of complete.notes) noteDivergence({ kind: 'note', text });
      roster = complete.operatories;
      completed = true;
      matches = find(roster);
    }
    if (matches.length === 0) {
      throw new ToolInputError(
        `No operatory at ${shownPlace(context.practice.name)} matches "${reference}". Chairs: ${roster
          .filter((o) => o.is_bookable !== false && o.is_hidden !== true)
          .map(operatoryText)
          .join(', ')}.`,
      );
    }
    if (matches.length > 1) {
      throw new ToolInputError(
        `"${reference}" matches several operatories: ${matches.map(operatoryText).join(', ')}. Use the full name.`,
      );
    }
    const match = matches[0] as Operatory;
    if (match.is_bookable === false) {
      throw new ToolInputError(`${operatoryText(match)} is not a bookable chair (the slot finder skips it).`);
    }
    resolved.push(match);
  }
  return dedupeById(resolved);
}

function dedupeById<T extends { id: string }>(items: T[]): T[] {
  return [...new Map(items.map((item) => [item.id, item])).values()];
}

/** Resolves a carrier reference (an id, or its name or part of it) against the carrier list. Never guesses. */
export async function resolveCarrier(context: ToolContext, reference: string): Promise<{ id: string; name: string }> {
  const carriers = await context.api.reference.carriers(context.practice.id, { signal: context.signal });
  const wanted = foldForMatch(reference);
  const byId = carriers.find((c) => c.id === reference.trim());
  const matches = byId ? [byId] : carriers.filter((c) => foldForMatch(c.name ?? '').includes(wanted));
  const exact = matches.filter((c) => foldForMatch(c.name ?? '') === wanted);
  const chosen = exact.length === 1 ? exact : matches;
  if (chosen.length === 1 && chosen[0]) return { id: chosen[0].id, name: chosen[0].name ?? chosen[0].id };
  if (chosen.length === 0) {
    throw new ToolInputError(
      `No insurance carrier at ${shownPlace(context.practice.name)} matches "${reference}". Leave the carrier out to see every carrier.`,
    );
  }
  throw new ToolInputError(
    `"${reference}" matches several carriers: ${chosen
      .slice(0, 8)
      .map((c) => `${shownPlace(c.name) ?? 'unnamed'} (${c.id})`)
      .join(', ')}. Be more specific.`,
  );
}
