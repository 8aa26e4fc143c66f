/** How what the API did differently is put into words (src/api/divergence.ts). */
import { describe, expect, it } from 'vitest';
import { type Divergence, describeDivergences } from '../../../src/api/divergence.js';

const claims = ['claim', 'claims'] as const;
const short = (received: number, counted: number | undefined, reason: 'count' | 'repeated' = 'count'): Divergence => ({
  kind: 'partial',
  noun: claims,
  received,
  counted,
  reason,
  pages: 1,
});

describe('describeDivergences', () => {
  it('one short list: both numbers; several lists (one per status): summed, and says so', () => {
    expect(describeDivergences([short(1, 123)]).partial).toEqual([
      'Partial result: Escape Dental counted 123 claims but sent 1; this answer covers only those.',
    ]);
    expect(describeDivergences([short(54, 154), short(61, 161)]).partial).toEqual([
      'Partial result: over 2 lists of claims, Escape Dental counted 315 but sent 115; this answer covers only those.',
    ]);
  });

  it('the same list read again (retries with searches the API ignored) counts once', () => {
    const patients = (received: number, counted: number): Divergence => ({
      kind: 'partial',
      noun: ['patient', 'patients'],
      received,
      counted,
      reason: 'count',
      pages: 1,
    });
    expect(describeDivergences([patients(100, 1500), patients(100, 1500)]).partial).toEqual([
      'Partial result: Escape Dental counted 1500 patients but sent 100; this answer covers only those.',
    ]);
  });

  it('rows left out are summed per kind of row and reason; plain notes are kept once', () => {
    const leftOut = (rows: number): Divergence => ({
      kind: 'left-out',
      noun: claims,
      rows,
      outside: 'of another status',
    });
    const note: Divergence = { kind: 'note', text: 'Something else.' };
    expect(describeDivergences([leftOut(3), leftOut(1), note, note])).toEqual({
      partial: [],
      notes: ['Escape Dental returned 4 claims of another status; they were left out here.', 'Something else.'],
    });
    expect(describeDivergences([leftOut(1)]).notes).toEqual([
      'Escape Dental returned 1 claim of another status; it was left out here.',
    ]);
  });

  it('a page sent again without a count: only what was read, and that more may exist', () => {
    expect(describeDivergences([short(100, undefined, 'repeated')]).partial).toEqual([
      'Partial result: Escape Dental sent the same page of claims again when asked for the next one, so only the first 100 could be read.',
    ]);
  });
});
