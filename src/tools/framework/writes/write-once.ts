/**
 * Writing once. The API has no idempotency key, so after a timeout, a lost connection or a 5xx
 * the write may or may not have happened: the write is looked for first and only tried again
 * when it is not there. A refusal (400/409) is final and said in plain words.
 */
import {
  BadRequest,
  Conflict,
  InvalidResponse,
  RateLimited,
  RequestAborted,
  UpstreamTimeout,
  UpstreamUnavailable,
} from '../../../api/errors.js';
import { UnverifiableAnswerError } from '../errors.js';
import type { ToolContext } from '../types.js';

/** The write's outcome could not be established (upstream failures, then a failed check). */
export class WriteOutcomeUnknown extends UnverifiableAnswerError {
  override name = 'WriteOutcomeUnknown';
}

const MAX_WRITE_ATTEMPTS = 3;
const MAX_RATE_LIMIT_WAIT_MS = 3_000;
const RECHECK_TIMEOUT_MS = 5_000;

/** Failures after which the write may or may not have been applied upstream. */
function mayHaveLanded(error: unknown): boolean {
  if (error instanceof UpstreamUnavailable) return !error.circuitOpen;
  return error instanceof UpstreamTimeout || error instanceof InvalidResponse || error instanceof RequestAborted;
}

export interface WriteAttempt<Written> {
  /** "booking", "move", "cancellation", "contact log entry" — for messages. */
  what: string;
  /** One upstream write. */
  attempt: (signal: AbortSignal) => Promise<Written>;
  /** Finds the write if it happened (the record as it now stands), else undefined. */
  landed: (signal: AbortSignal) => Promise<Written | undefined>;
  /** A final refusal (400/409) in plain words. */
  refused: (error: Conflict | BadRequest) => Error;
  /** Where to look before trying again, for the "may still go through" message. */
  checkHint: string;
}

/**
 * Performs a write at most once in effect. After an ambiguous failure the write is looked for
 * before any new attempt; a 409/400 after an earlier attempt may be that attempt having landed,
 * so it is looked for as well. Returns the record written and whether an earlier attempt was found.
 */
export async function writeOnce<Written>(
  context: ToolContext,
  plan: WriteAttempt<Written>,
): Promise<{ written: Written; recovered: boolean }> {
  let lastFailure: unknown;
  for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
    try {
      return { written: await plan.attempt(context.signal), recovered: false };
    } catch (error) {
      if (error instanceof Conflict || error instanceof BadRequest) {
        // 409 is also what our own earlier attempt looks like once it landed; a 400 may be too
        // (e.g. "cannot transition from cancelled to cancelled").
        if (error instanceof Conflict || lastFailure !== undefined) {
          const found = await plan.landed(context.signal).catch(() => undefined);
          if (found) return { written: found, recovered: true };
        }
        throw plan.refused(error);
      }
      if (error instanceof RateLimited) {
        // 429 comes before the request is processed: nothing was written.
        const wait = error.retryAfterMs ?? 1_000;
        if (attempt === MAX_WRITE_ATTEMPTS || wait > MAX_RATE_LIMIT_WAIT_MS) throw error;
        await sleep(wait, context.signal);
        continue;
      }
      if (!mayHaveLanded(error)) throw error;
      // The signal may be the reason (client cancelled, tool deadline): look with a fresh one.
      const signal = context.signal.aborted ? AbortSignal.timeout(RECHECK_TIMEOUT_MS) : context.signal;
      let found: Written | undefined;
      try {
        found = await plan.landed(signal);
      } catch {
        throw new WriteOutcomeUnknown(
          `The Escape Dental API did not confirm the ${plan.what} (${failureWords(error)}), and checking whether it went through failed too. It may or may not have been made: ${plan.checkHint} before trying again.`,
        );
      }
      if (found) return { written: found, recovered: true };
      if (error instanceof RequestAborted) {
        throw new WriteOutcomeUnknown(
          `The request was stopped before Escape Dental answered. The ${plan.what} was not found afterwards, but it may still go through: ${plan.checkHint} before trying again.`,
        );
      }
      lastFailure = error;
    }
  }
  throw new WriteOutcomeUnknown(
    `The Escape Dental API failed ${MAX_WRITE_ATTEMPTS} times (${failureWords(lastFailure)}). A check after each failure found no ${plan.what}, so nothing was changed as far as can be seen${lastFailure instanceof UpstreamTimeout ? ', but the last attempt may still go through' : ''}: ${plan.checkHint} before trying again.`,
  );
}

function failureWords(error: unknown): string {
  if (error instanceof UpstreamTimeout) return 'no answer in time';
  if (error instanceof InvalidResponse) return 'an unreadable answer';
  if (error instanceof UpstreamUnavailable) return 'a server error or a dropped connection';
  if (error instanceof RequestAborted) return 'the request was stopped';
  return 'an upstream error';
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new RequestAborted());
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new RequestAborted());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
