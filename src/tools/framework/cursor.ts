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

/** `limit` rows from `offset`, and the cursor of the next page when rows remain. */
export function pageFrom<Row>(
  rows: readonly Row[],
  offset: number,
  limit: number,
): { page: Row[]; nextCursor?: string } {
  const page = rows.slice(offset, offset + limit);
  const next = offset + page.length;
  return next < rows.length ? { page, nextCursor: String(next) } : { page };
}

/** `pageFrom` at the offset `cursor` names, refusing a cursor past the rows there are now. */
export function pageOf<Row>(
  rows: readonly Row[],
  limit: number,
  cursor: string | undefined,
): { page: Row[]; nextCursor?: string } {
  let offset = 0;
  if (cursor !== undefined) {
    if (!/^\d{1,6}$/.test(cursor)) {
      throw new ToolInputError(
        `cursor "${cursor.slice(0, 10)}" is not one this tool gave. Pass next_cursor as it came, or leave it out.`,
      );
    }
    offset = Number(cursor);
    if (offset > rows.length) {
      throw new ToolInputError(
        `cursor ${cursor} is past the ${rows.length} rows there are now. Leave it out to start again.`,
      );
    }
  }
  return pageFrom(rows, offset, limit);
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
