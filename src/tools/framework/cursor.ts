/**
 * The position cursor of the worklist tools: the number of rows already shown, as text. The
 * worklists are recomputed on each call, so it names a position in today's ranking, not a snapshot.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ToolInputError } from './errors.js';

/** The `limit` and `cursor` arguments every worklist takes. */
export const pageArguments = {
  limit: z.number().int().min(1).max(25).default(10).describe('Rows to show (1-25).'),
  cursor: z.string().max(20).optional().describe('The next_cursor of a previous answer, for the next rows.'),
};

/** The fields every worklist answer opens with. */
export const worklistHeaderFields = {
  practice: z.string(),
  as_of: z.string(),
  filters: z.string(),
  ranking: z.string(),
  matched: z.number(),
};

/** The closing lines of a worklist's text: how to get more rows, then the notes. */
export function closingLines(nextCursor: string | undefined, notes: readonly string[]): string[] {
  return [
    ...(nextCursor ? [`More: call again with cursor "${nextCursor}".`] : []),
    ...notes.map((note) => `Note: ${note}`),
  ];
}

export function readCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  if (!/^\d{1,6}$/.test(cursor)) {
    throw new ToolInputError(`cursor "${cursor.slice(0, 20)}" is not one this tool gave. Leave it out to start again.`);
  }
  return Number(cursor);
}

/**
 * `limit` rows from `offset`, the cursor of the next page when rows remain, and `pastEnd` when the
 * cursor points at or past the rows there are now (the list shrank since the cursor was given).
 */
export function pageFrom<Row>(
  rows: readonly Row[],
  offset: number,
  limit: number,
): { page: Row[]; nextCursor?: string; pastEnd?: string } {
  const pastEnd = pastEndNote(offset, rows.length);
  if (pastEnd) return { page: [], pastEnd };
  const page = rows.slice(offset, offset + limit);
  const next = offset + page.length;
  return next < rows.length ? { page, nextCursor: String(next) } : { page };
}

/** `pageFrom` at the offset `cursor` names. */
export function pageOf<Row>(
  rows: readonly Row[],
  limit: number,
  cursor: string | undefined,
): { page: Row[]; nextCursor?: string; pastEnd?: string } {
  return pageFrom(rows, readCursor(cursor), limit);
}

/**
 * What every cursor tool says for a cursor at or past the end: an answer, not a refusal, because
 * the cursor was ours and the list shrinking (rows worked off, a visit rebooked) is no mistake of
 * the caller; an empty page alone would read as "nothing left to do at all".
 */
export function pastEndNote(offset: number, total: number): string | undefined {
  if (offset === 0 || offset < total) return undefined;
  return `No more rows from row ${offset + 1} on: the list has ${total} row${total === 1 ? '' : 's'} now (it changed since that cursor was given). Leave cursor out to start again from the first row.`;
}

/**
 * The fingerprint half of a bound cursor (`<offset>.<fingerprint>`): the arguments of the list it
 * continues, so it cannot be replayed on another patient, day or filter.
 */
export function cursorFingerprint(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 12);
}

/** Splits a bound cursor; `notOurs` is the refusal when it is not one the tool gave. */
export function readBoundCursor(
  cursor: string,
  maxOffset: number,
  notOurs: string,
): { offset: number; fingerprint: string } {
  const [offsetText, print] = cursor.split('.');
  const offset = Number(offsetText);
  if (!Number.isInteger(offset) || offset < 1 || offset > maxOffset || !print) throw new ToolInputError(notOurs);
  return { offset, fingerprint: print };
}
