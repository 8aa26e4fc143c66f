/**
 * Row pages for worklist answers: `limit` rows from the offset a `cursor` names, and the cursor of
 * the next page when rows remain. The cursor is the offset as text: the worklists are recomputed
 * on each call, so it names a position in today's ranking, not a snapshot.
 */
import { ToolInputError } from './errors.js';

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
  const page = rows.slice(offset, offset + limit);
  const next = offset + page.length;
  return next < rows.length ? { page, nextCursor: String(next) } : { page };
}
