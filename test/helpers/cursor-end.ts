import { expect } from 'vitest';
import { callOk } from './harness.js';

type Client = Parameters<typeof callOk>[0];

/**
 * Calls `tool` with a cursor past the end of its list and checks the one answer every cursor tool
 * gives there: no rows, no next cursor, and a line saying from which row nothing is left and how
 * many rows the list has now (`total`, worked out by the caller from raw reads).
 */
export async function expectPastEndAnswer(
  client: Client,
  tool: string,
  args: Record<string, unknown>,
  rowsField: string,
  offset: number,
  total: number,
): Promise<string> {
  const { structured, text } = await callOk<Record<string, unknown>>(client, tool, args);
  expect(structured[rowsField]).toEqual([]);
  expect(structured.next_cursor).toBeUndefined();
  expect(text).toContain(
    `No more rows from row ${offset + 1} on: the list has ${total} row${total === 1 ? '' : 's'} now (it changed since that cursor was given). Leave cursor out to start again from the first row.`,
  );
  return text;
}
