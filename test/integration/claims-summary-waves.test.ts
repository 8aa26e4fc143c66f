/**
 * claims_summary asks Escape Dental everything it needs in one wave (issue 19 item 6): a real
 * client and server, the sandbox behind a proxy that holds every answer until no new request has
 * arrived for a while. A read that waits on another read's answer can only start after the proxy
 * let an answer through, which the proxy sees. Expected reads come from raw sandbox counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import {
  callError,
  callOk,
  connectInProcess,
  type InProcessConnection,
  rawGet,
  startTestSandbox,
} from '../helpers/harness.js';
import { type UpstreamProxy, upstreamProxy } from './booking-helpers.js';

const OUTSTANDING = ['submitted', 'accepted', 'resubmitted', 'appealed', 'partial'];
/** The claim list's page size cap (L3077, the default 20/100 pagination). */
const PAGE_MAX = 100;
/**
 * How long the proxy waits for further requests before letting the held answers through: reads
 * started together reach it well within this, even on a loaded machine.
 */
const QUIET_MS = 400;

interface Arrival {
  path: string;
  /** Answers the proxy had let through, in this call, when this request arrived. */
  answersBefore: number;
}

let sandbox: RunningSandbox;
let proxy: UpstreamProxy;
let server: InProcessConnection;
let la: RunningSandbox['fixtures']['practices']['la'];
let arrivals: Arrival[] = [];
let answers = 0;
let lastArrival = 0;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  sandbox = await startTestSandbox();
  la = sandbox.fixtures.practices.la;
  proxy = await upstreamProxy(sandbox, {
    before: async (request) => {
      arrivals.push({ path: request.path, answersBefore: answers });
      lastArrival = performance.now();
    },
    after: async () => {
      for (let quiet = 0; quiet < QUIET_MS; quiet = performance.now() - lastArrival) await sleep(QUIET_MS - quiet);
      answers += 1;
    },
  });
  server = await connectInProcess({ sandbox: { ...sandbox, url: proxy.url } });
});

afterAll(async () => {
  await server?.close();
  await proxy?.close();
  await sandbox?.close();
});

const path = (rest: string) => `/api/v1/practice/${la.id}/${rest}`;

async function recordedCall(): Promise<{ text: string; arrivals: Arrival[] }> {
  arrivals = [];
  answers = 0;
  const { text } = await callOk(server.client, 'claims_summary', { practice: la.name, oldest: 5 });
  return { text, arrivals };
}

/** Pages of each outstanding status's claim list, from the sandbox's own counts. */
async function outstandingPages(): Promise<number> {
  let pages = 0;
  for (const status of OUTSTANDING) {
    const { count } = await rawGet<{ count: number }>(sandbox, path('insurance/claim/'), { status, page_size: '1' });
    pages += Math.max(1, Math.ceil(count / PAGE_MAX));
  }
  return pages;
}

describe('claims_summary upstream waves', () => {
  it('sends every read of a call before any answer arrives, once the lists were read before', async () => {
    const pages = await outstandingPages();
    // Some outstanding status has more than one page, or this test would prove nothing.
    expect(pages).toBeGreaterThan(OUTSTANDING.length);
    const first = await recordedCall();

    const again = await recordedCall();
    expect(again.text).toBe(first.text);
    const claimPages = again.arrivals.filter((a) => a.path === path('insurance/claim/'));
    expect(claimPages).toHaveLength(pages);
    expect(again.arrivals.filter((a) => a.path === path('insurance/claims/summary/'))).toHaveLength(1);
    expect(again.arrivals.filter((a) => a.answersBefore > 0)).toEqual([]);
  });

  it('refuses an unknown carrier only after every read the call started was answered', async () => {
    arrivals = [];
    answers = 0;
    const text = await callError(server.client, 'claims_summary', {
      practice: la.name,
      carrier: 'Acme Unheard-of Mutual',
    });
    expect(text).toContain('Acme Unheard-of Mutual');
    // The claim reads went out with the carrier look-up; none of them outlives the refusal.
    expect(arrivals.filter((a) => a.path === path('insurance/claim/')).length).toBeGreaterThan(0);
    expect(answers).toBe(arrivals.length);
  });

  it('does not wait for the insurance records before reading the claims', async () => {
    await recordedCall();
    server.runtime.api.cache.invalidate();

    const cold = await recordedCall();
    const enrollments = cold.arrivals.filter((a) => a.path === path('insurance/patient-insurance/'));
    expect(enrollments.length).toBeGreaterThan(1);
    // The insurance-record list is walked page by page (each page's count and link say whether
    // there is another); everything else goes out with its first page.
    const [firstEnrollmentPage] = enrollments;
    expect(cold.arrivals.filter((a) => !enrollments.includes(a) || a === firstEnrollmentPage)).toEqual(
      cold.arrivals
        .filter((a) => !enrollments.includes(a) || a === firstEnrollmentPage)
        .map((a) => ({ ...a, answersBefore: 0 })),
    );
  });
});
