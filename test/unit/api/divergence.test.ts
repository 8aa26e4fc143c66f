/** How what the API did differently is put into words (src/api/divergence.ts). */
import { describe, expect, it } from 'vitest';
import { type Divergence, describeDivergences, listIdentity } from '../../../src/api/divergence.js';

const claims = ['claim', 'claims'] as const;
const short = (
  received: number,
  counted: number | undefined,
  reason: 'count' | 'repeated' = 'count',
  list = `claims ${received}/${counted}`,
): Extract<Divergence, { kind: 'partial' }> => ({
  kind: 'partial',
  list,
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

  it('the same list read again (same operation and query, any page) counts once', () => {
    const patients = (received: number, counted: number): Divergence => ({
      kind: 'partial',
      list: listIdentity('patients.list', { practice: 'p1' }, { search: 'smith', page_size: 100 }),
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

  it('two different lists that report the same numbers are two lists, not one', () => {
    const paid = listIdentity('insurance.claimList', { practice: 'p1' }, { status: 'paid' });
    const denied = listIdentity('insurance.claimList', { practice: 'p1' }, { status: 'denied' });
    expect(
      describeDivergences([
        { ...short(2, 3, 'count', paid), rows: 'rows c1 c2' },
        { ...short(2, 3, 'count', denied), rows: 'rows c3 c4' },
      ]).partial,
    ).toEqual([
      'Partial result: over 2 lists of claims, Escape Dental counted 6 but sent 4; this answer covers only those.',
    ]);
  });

  it('lists asked differently that brought the very same rows (the API ignored the search) are one list', () => {
    const search = (term: string): Extract<Divergence, { kind: 'partial' }> => ({
      ...short(100, 1500, 'count', listIdentity('patients.list', { practice: 'p1' }, { search: term })),
      noun: ['patient', 'patients'],
      rows: 'the first hundred',
    });
    expect(describeDivergences([search('quill'), search('theodora quill')]).partial).toEqual([
      'Partial result: Escape Dental counted 1500 patients but sent 100; this answer covers only those.',
    ]);
  });

  it('a list identity leaves out the page and undefined values, whatever the order of the keys', () => {
    expect(
      listIdentity('insurance.claimList', { practice: 'p1' }, { status: 'paid', page: 3, provider: undefined }),
    ).toBe(listIdentity('insurance.claimList', { practice: 'p1' }, { page_size: 100, status: 'paid' }));
    expect(listIdentity('insurance.claimList', { practice: 'p1' }, { status: 'paid' })).not.toBe(
      listIdentity('insurance.claimList', { practice: 'p1' }, { status: 'denied' }),
    );
  });

  it('rows left out are counted once each per kind of row and reason; plain notes are kept once', () => {
    const leftOut = (...rows: string[]): Divergence => ({
      kind: 'left-out',
      noun: claims,
      rows,
      outside: 'of another status',
    });
    const note: Divergence = { kind: 'note', text: 'Something else.' };
    expect(describeDivergences([leftOut('c1', 'c2', 'c3'), leftOut('c4'), note, note])).toEqual({
      partial: [],
      notes: ['Escape Dental returned 4 claims of another status; they were left out here.', 'Something else.'],
    });
    expect(describeDivergences([leftOut('c1')]).notes).toEqual([
      'Escape Dental returned 1 claim of another status; it was left out here.',
    ]);
  });

  it('one row left out by several reads (one per status, the filter ignored) is one row', () => {
    const leftOut = (...rows: string[]): Divergence => ({
      kind: 'left-out',
      noun: claims,
      rows,
      outside: 'of another status than asked',
    });
    expect(describeDivergences([leftOut('c9'), leftOut('c9')]).notes).toEqual([
      'Escape Dental returned 1 claim of another status than asked; it was left out here.',
    ]);
  });

  it('a page sent again without a count: only what was read, and that more may exist', () => {
    expect(describeDivergences([short(100, undefined, 'repeated')]).partial).toEqual([
      'Partial result: Escape Dental sent the same page of claims again when asked for the next one, so only the first 100 could be read.',
    ]);
  });
});
