import { afterEach, describe, expect, it } from 'vitest';
import { EscapeClient } from '../../../src/api/client.js';
import { StaticTokenProvider } from '../../../src/api/credentials.js';
import { type Divergence, describeDivergences, recordDivergences } from '../../../src/api/divergence.js';
import { InvalidResponse } from '../../../src/api/errors.js';
import { collectPages, normalizePage, pageCapsFor, type WalkOutcome } from '../../../src/api/pagination.js';
import { type Handler, type ScriptedServer, startScriptedServer } from './scripted-server.js';

const PRACTICE = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
let server: ScriptedServer;
let client: EscapeClient;

async function start(handler: Handler, maxPages = 200): Promise<void> {
  server = await startScriptedServer(handler);
  client = new EscapeClient({
    baseUrl: server.url,
    credentials: new StaticTokenProvider('t'),
    breaker: { enabled: false },
    retry: { maxAttempts: 1 },
    maxPages,
  });
}

afterEach(async () => {
  await client?.close();
  await server?.close();
});

const rows = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ id: `r${from + i}` }));

describe('normalizePage', () => {
  it('bare arrays, and [[…]] flattened one level (T3 history sample)', () => {
    expect(normalizePage([{ id: 1 }, { id: 2 }])).toMatchObject({
      rows: [{ id: 1 }, { id: 2 }],
      kind: 'array',
      next: null,
    });
    expect(normalizePage([[{ id: 1 }, { id: 2 }]]).rows).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('the DRF envelope', () => {
    expect(normalizePage({ count: 3, next: 'http://x/?page=2', previous: null, results: [{ id: 'a' }] })).toEqual({
      rows: [{ id: 'a' }],
      count: 3,
      next: 'http://x/?page=2',
      kind: 'envelope',
    });
  });

  it('{results} only', () => {
    expect(normalizePage({ results: [{ id: 'a' }] })).toEqual({
      rows: [{ id: 'a' }],
      count: undefined,
      next: undefined,
      kind: 'results',
    });
  });

  it("the spec's nested appointment sample (L43–171) is unwrapped", () => {
    const body = {
      count: 123,
      results: [{ count: 3, next: null, previous: null, results: [{ id: 'a1' }, { id: 'a2' }, { id: 'a3' }] }],
    };
    expect(normalizePage(body)).toMatchObject({
      rows: [{ id: 'a1' }, { id: 'a2' }, { id: 'a3' }],
      count: 3,
      kind: 'nested',
      next: null,
    });
  });

  it('keeps rows that merely have a results field but also an id', () => {
    const body = { count: 1, results: [{ id: 'x', results: [] }] };
    expect(normalizePage(body).rows).toEqual([{ id: 'x', results: [] }]);
  });

  it('rejects a non-list', () => {
    expect(() => normalizePage({ detail: 'x' })).toThrow(InvalidResponse);
    expect(() => normalizePage('oops')).toThrow(InvalidResponse);
  });

  it('documents per-endpoint caps', () => {
    expect(pageCapsFor('scheduling.appointmentList')).toEqual({ default: 50, max: 100 });
    expect(pageCapsFor('providers.list')).toEqual({ default: 100, max: 2000 });
    expect(pageCapsFor('clinical.timeline')).toEqual({ default: 50, max: 200 });
    expect(pageCapsFor('patients.list')).toEqual({ default: 20, max: 100 });
  });
});

describe('collectPages', () => {
  it('follows absolute next links verbatim and never asks above the max page size', async () => {
    await start((req) => {
      const page = Number(req.query.get('page') ?? '1');
      const marker = req.query.get('cursor');
      if (marker === 'two') return { json: { count: 150, next: null, previous: 'x', results: rows(100, 50) } };
      expect(page).toBe(1);
      return {
        json: {
          count: 150,
          next: `${server.url}${req.path}?cursor=two&page_size=100`,
          previous: null,
          results: rows(0, 100),
        },
      };
    });
    const result = await collectPages(client, {
      operation: 'scheduling.appointmentList',
      params: { practice: PRACTICE },
      pageSize: 500,
    });
    expect(result.rows).toHaveLength(150);
    expect(result.truncated).toBe(false);
    expect(server.requests[0]?.query.get('page_size')).toBe('100');
    expect(server.requests[1]?.query.get('cursor')).toBe('two');
  });

  it('a short page is not the last page while count says there is more (server clamped page_size)', async () => {
    await start((req) => {
      const page = Number(req.query.get('page') ?? '1');
      const all = rows(0, 120);
      return { json: { count: 120, results: all.slice((page - 1) * 50, page * 50) } };
    });
    const result = await collectPages(client, { operation: 'patients.list', params: { practice: PRACTICE } });
    expect(result.rows).toHaveLength(120);
    expect(server.requests.map((r) => r.query.get('page'))).toEqual([null, '2', '3']);
  });

  it('{results} without count: continues while pages are full, stops on a short page', async () => {
    await start((req) => {
      const page = Number(req.query.get('page') ?? '1');
      return { json: { results: page === 1 ? rows(0, 100) : rows(100, 7) } };
    });
    const result = await collectPages(client, { operation: 'patients.list', params: { practice: PRACTICE } });
    expect(result.rows).toHaveLength(107);
  });

  it('stops when a server ignores `page` and repeats page 1', async () => {
    await start(() => ({ json: { results: rows(0, 100) } }));
    const result = await collectPages(client, { operation: 'patients.list', params: { practice: PRACTICE } });
    expect(result.rows).toHaveLength(100);
    expect(server.requests).toHaveLength(2);
  });

  it('treats 404 "Invalid page." on a guessed page as the end', async () => {
    await start((req) =>
      req.query.get('page') === '2'
        ? { status: 404, json: { detail: 'Invalid page.' } }
        : { json: { results: rows(0, 100) } },
    );
    const result = await collectPages(client, { operation: 'patients.list', params: { practice: PRACTICE } });
    expect(result.rows).toHaveLength(100);
  });

  it('a hard page cap stops a runaway next chain', async () => {
    let n = 0;
    await start(() => {
      n += 1;
      return { json: { count: 1_000_000, next: `${server.url}/api/v1/loop/?n=${n}`, results: rows(n * 100, 100) } };
    }, 5);
    const result = await collectPages(client, { operation: 'patients.list', params: { practice: PRACTICE } });
    expect(server.requests).toHaveLength(5);
    expect(result.hitPageCap).toBe(true);
    expect(result.truncated).toBe(true);
  });

  it('never sends a request to a next link on another host and path: asks for page=N instead', async () => {
    await start((req) => {
      const page = Number(req.query.get('page') ?? '1');
      return {
        json: { count: 10, next: `http://198.51.100.7/steal/?page=${page + 1}`, results: rows((page - 1) * 5, 5) },
      };
    });
    const result = await collectPages(client, { operation: 'patients.list', params: { practice: PRACTICE } });
    expect(result.rows).toHaveLength(10);
    expect(result.truncated).toBe(false);
    expect(server.requests.map((r) => [r.path, r.query.get('page')])).toEqual([
      [`/api/v1/practice/${PRACTICE}/patient/`, null],
      [`/api/v1/practice/${PRACTICE}/patient/`, '2'],
    ]);
  });

  it('respects a row limit without fetching further pages', async () => {
    await start((req) => ({
      json: {
        count: 300,
        next: `${server.url}${req.path}?page=${Number(req.query.get('page') ?? '1') + 1}`,
        results: rows(0, 100),
      },
    }));
    const result = await collectPages(client, {
      operation: 'patients.list',
      params: { practice: PRACTICE },
      limit: 30,
    });
    expect(result.rows).toHaveLength(30);
    expect(result.truncated).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it('unwraps nested envelopes page by page', async () => {
    await start((req) => {
      const page = Number(req.query.get('page') ?? '1');
      const inner =
        page === 1
          ? { count: 130, next: `${server.url}${req.path}?page=2&page_size=100`, previous: null, results: rows(0, 100) }
          : { count: 130, next: null, previous: 'x', results: rows(100, 30) };
      return { json: { count: 1, results: [inner] } };
    });
    const result = await collectPages(client, {
      operation: 'scheduling.appointmentList',
      params: { practice: PRACTICE },
    });
    expect(result.rows).toHaveLength(130);
    expect(new Set(result.rows.map((r) => (r as { id: string }).id)).size).toBe(130);
  });

  it('a next link to the same list under another host name is asked of the configured origin', async () => {
    await start((req) => {
      const page = Number(req.query.get('page') ?? '1');
      const next = page < 3 ? `http://escape-api.internal:8000${req.path}?page=${page + 1}&page_size=100` : null;
      return { json: { count: 250, next, results: rows((page - 1) * 100, page < 3 ? 100 : 50) } };
    });
    const result = await collectPages(client, { operation: 'patients.list', params: { practice: PRACTICE } });
    expect(result.rows).toHaveLength(250);
    expect(server.requests.map((r) => r.query.get('page'))).toEqual([null, '2', '3']);
  });
});

describe('walks that cannot loop or shrink silently', () => {
  async function walk(options: { maxPages?: number } = {}) {
    const records: Divergence[] = [];
    const outcome: WalkOutcome = {};
    const result = await recordDivergences(records, () =>
      collectPages(client, { operation: 'insurance.claimList', params: { practice: PRACTICE }, outcome, ...options }),
    );
    return { result, outcome, records };
  }

  it('a next that is the page just read ends a one-page list complete, after one request', async () => {
    await start((req) => ({ json: { count: 5, next: `${server.url}${req.path}?page_size=100`, results: rows(0, 5) } }));
    const { result, outcome, records } = await walk();
    expect(result.rows).toHaveLength(5);
    expect(result.truncated).toBe(false);
    expect(outcome).toEqual({ complete: true, counted: 5, received: 5 });
    expect(records).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('a next that loops on a longer list gives way to page=N, and the list is read whole', async () => {
    await start((req) => {
      const page = Number(req.query.get('page') ?? '1');
      const self = `${server.url}${req.path}?${req.query.toString()}`;
      return {
        json: { count: 230, next: self, results: rows((page - 1) * 100, Math.min(100, 230 - (page - 1) * 100)) },
      };
    });
    const { result, records } = await walk();
    expect(new Set(result.rows.map((r) => (r as { id: string }).id)).size).toBe(230);
    expect(server.requests.map((r) => r.query.get('page'))).toEqual([null, '2', '3']);
    expect(records).toEqual([]);
  });

  it('a server that ignores page: the repeated page ends the walk, which is recorded as partial', async () => {
    await start((req) => ({ json: { count: 450, next: `${server.url}${req.path}?page=2`, results: rows(0, 100) } }));
    const { result, outcome, records } = await walk();
    expect(result.rows).toHaveLength(100);
    expect(result.truncated).toBe(true);
    expect(outcome).toEqual({ complete: false, counted: 450, received: 100 });
    expect(server.requests).toHaveLength(2);
    expect(describeDivergences(records).partial).toEqual([
      'Partial result: Escape Dental counted 450 claims but sent 100; this answer covers only those.',
    ]);
  });

  it('a repeated page without a count is partial too: more may exist', async () => {
    await start(() => ({ json: { results: rows(0, 100) } }));
    const { outcome, records } = await walk();
    expect(outcome.complete).toBe(false);
    expect(describeDivergences(records).partial).toEqual([
      'Partial result: Escape Dental sent the same page of claims again when asked for the next one, so only the first 100 could be read.',
    ]);
  });

  it('a count larger than the rows of a list that ends is recorded as partial', async () => {
    await start(() => ({ json: { count: 123, next: null, results: rows(0, 1) } }));
    const { result, records } = await walk();
    expect(result.rows).toHaveLength(1);
    expect(result.truncated).toBe(true);
    expect(describeDivergences(records).partial).toEqual([
      'Partial result: Escape Dental counted 123 claims but sent 1; this answer covers only those.',
    ]);
  });

  it('rows sent twice (overlapping pages) are kept once; rows of other kinds with the same id are not merged', async () => {
    await start((req) => {
      const page = Number(req.query.get('page') ?? '1');
      const body =
        page === 1
          ? { count: 4, next: `${server.url}${req.path}?page=2`, results: [{ id: 1 }, { id: 2 }] }
          : { count: 4, next: null, results: [{ id: 2 }, { id: 3 }, { id: 3, event_type: 'note' }] };
      return { json: body };
    });
    const { result, records } = await walk();
    expect(result.rows).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }, { id: 3, event_type: 'note' }]);
    expect(records).toEqual([]);
  });

  it('the runaway cap is recorded as partial; a cap the caller chose is left to the caller', async () => {
    await start((req) => {
      const page = Number(req.query.get('page') ?? '1');
      return { json: { next: `${server.url}${req.path}?page=${page + 1}`, results: rows(page * 100, 100) } };
    }, 3);
    const capped = await walk();
    expect(capped.result.hitPageCap).toBe(true);
    expect(describeDivergences(capped.records).partial).toEqual([
      'Partial result: only the first 3 pages of claims were read (300 claims); there are more.',
    ]);
    const chosen = await walk({ maxPages: 2 });
    expect(chosen.result.truncated).toBe(true);
    expect(chosen.records).toEqual([]);
  });
});

describe('pages asked for ahead (prefetchPages)', () => {
  const listPath = `/api/v1/practice/${PRACTICE}/insurance/claim/`;
  const pageOf = (req: { query: URLSearchParams }) => Number(req.query.get('page') ?? '1');
  /** The walks above, each of a list the API pages its own way. */
  const lists: Array<[string, Handler]> = [
    [
      'DRF links',
      (req) => {
        const page = pageOf(req);
        const next = page < 3 ? `${server.url}${req.path}?page=${page + 1}&page_size=100` : null;
        return { json: { count: 250, next, results: rows((page - 1) * 100, page < 3 ? 100 : 50) } };
      },
    ],
    [
      'cursor links',
      (req) =>
        req.query.get('cursor') === 'two'
          ? { json: { count: 150, next: null, results: rows(100, 50) } }
          : { json: { count: 150, next: `${server.url}${req.path}?cursor=two`, results: rows(0, 100) } },
    ],
    [
      'page ignored',
      (req) => ({ json: { count: 450, next: `${server.url}${req.path}?page=2`, results: rows(0, 100) } }),
    ],
    ['no count', (req) => ({ json: { results: pageOf(req) === 1 ? rows(0, 100) : rows(100, 7) } })],
    [
      'invalid page',
      (req) =>
        pageOf(req) > 1 ? { status: 404, json: { detail: 'Invalid page.' } } : { json: { results: rows(0, 100) } },
    ],
    [
      'self links',
      (req) => {
        const page = pageOf(req);
        const self = `${server.url}${req.path}?${req.query.toString()}`;
        return {
          json: { count: 230, next: self, results: rows((page - 1) * 100, Math.min(100, 230 - (page - 1) * 100)) },
        };
      },
    ],
    [
      'overlapping pages',
      (req) =>
        pageOf(req) === 1
          ? { json: { count: 4, next: `${server.url}${req.path}?page=2`, results: [{ id: 1 }, { id: 2 }] } }
          : { json: { count: 4, next: null, results: [{ id: 2 }, { id: 3 }] } },
    ],
    [
      'links elsewhere',
      (req) => ({
        json: {
          count: 10,
          next: `http://198.51.100.7/steal/?page=${pageOf(req) + 1}`,
          results: rows(pageOf(req) * 5, 5),
        },
      }),
    ],
    ['a list that ends short', () => ({ json: { count: 123, next: null, results: rows(0, 1) } })],
    [
      'a runaway list',
      (req) => ({
        json: { next: `${server.url}${req.path}?page=${pageOf(req) + 1}`, results: rows(pageOf(req) * 100, 100) },
      }),
    ],
  ];

  async function walk(prefetchPages: number | undefined) {
    const records: Divergence[] = [];
    const outcome: WalkOutcome = {};
    const result = await recordDivergences(records, () =>
      collectPages(client, {
        operation: 'insurance.claimList',
        params: { practice: PRACTICE },
        outcome,
        ...(prefetchPages ? { prefetchPages } : {}),
      }),
    );
    return { result, outcome, said: describeDivergences(records) };
  }

  it.each(lists)('read the same rows and say the same as the walk page by page: %s', async (_name, handler) => {
    await start(handler, 4);
    const byPage = await walk(undefined);
    for (const ahead of [2, 3, 6]) expect(await walk(ahead)).toEqual(byPage);
  });

  it('a page asked for ahead that the walk does not come to is answered before the walk returns', async () => {
    let answered = 0;
    await start(async (req) => {
      // The pages past the list's end answer last, as a slow upstream would.
      if (pageOf(req) > 1) await new Promise((resolve) => setTimeout(resolve, 150));
      answered += 1;
      return pageOf(req) > 1
        ? { status: 404, json: { detail: 'Invalid page.' } }
        : { json: { count: 3, next: null, results: rows(0, 3) } };
    });
    const { result } = await walk(4);
    expect(result.rows).toHaveLength(3);
    expect(server.requests).toHaveLength(4);
    expect(answered).toBe(4);
  });

  it('go out together, the first page included, and each is asked once', async () => {
    let release: () => void = () => undefined;
    const allAsked = new Promise<void>((resolve) => {
      release = resolve;
    });
    let answered = 0;
    const answeredBefore: number[] = [];
    await start(async (req, index) => {
      answeredBefore.push(answered);
      if (index === 2) release();
      // Answers wait for the third request; a walk that does not ask ahead gets them after a while.
      await Promise.race([allAsked, new Promise((resolve) => setTimeout(resolve, 1000))]);
      answered += 1;
      return (lists[0] as [string, Handler])[1](req, index);
    });
    const { result } = await walk(3);
    expect(result.rows).toHaveLength(250);
    expect(answeredBefore).toEqual([0, 0, 0]);
    expect(server.requests.map((r) => [r.path, r.query.get('page')])).toEqual([
      [listPath, null],
      [listPath, '2'],
      [listPath, '3'],
    ]);
  });
});
