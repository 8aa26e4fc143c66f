/**
 * The practices this server serves, read from Escape Dental. The first read happens at start;
 * when Escape Dental cannot be reached then, the server starts anyway with no practice (every
 * call says "Escape Dental is unreachable; retrying") and reads again in the background, backing
 * off, until it succeeds. A read that leaves something out because of an outage (a source or a
 * practice that did not answer) is used at once and completed later. Once a read is complete the
 * list is not read again until the server restarts. Listeners hear each change of the practice
 * list, so connected clients can be told.
 */
import { EscapeApiError, UpstreamUnavailable } from './api/errors.js';
import type { EscapeApi } from './api/port.js';
import type { Logger } from './logger.js';
import { findPractice, pendingMessage, pendingScope, scopeFor } from './tenancy/practice.js';
import type { PracticeRef, PracticeScope, UnavailablePractice } from './tenancy/types.js';

export class StartupError extends Error {
  override name = 'StartupError';
}

/** One successful read of the practice list. */
export interface Discovered {
  scope: PracticeScope;
  /** What an outage left out (plain words); the list is read again later. */
  incomplete: string | undefined;
}

/**
 * Reads the practice list once: both sources merged, the configured pin applied. Throws a
 * StartupError when the answer cannot be served (no practice, a pin that names none) and the
 * upstream error when Escape Dental could not be read.
 */
export async function discoverPractices(
  api: EscapeApi,
  pinnedReference: string | undefined,
  logger: Logger,
): Promise<Discovered> {
  const result = await api.practices.discover();
  for (const warning of result.warnings) logger.info(warning);
  const available: PracticeRef[] = [];
  const disabled: { id: string; name: string }[] = [];
  const unavailable: UnavailablePractice[] = [];
  const unread: { id: string; name: string }[] = [];
  for (const practice of result.practices) {
    if (practice.status === 'available') {
      available.push({ id: practice.id, name: practice.name, timezone: practice.timezone });
    } else if (practice.status === 'disabled') {
      disabled.push({ id: practice.id, name: practice.name });
    } else {
      unavailable.push({ id: practice.id, name: practice.name, reason: practice.reason });
      if (practice.retryable) unread.push(practice);
      // Ids only: practice names are not patient data, but the reason may quote upstream text.
      logger.warn({ practiceId: practice.id, retryable: practice.retryable }, 'practice listed as unavailable');
    }
  }
  const incomplete =
    [result.incomplete, unread.length > 0 ? `Not read yet: ${unread.map((p) => p.name).join(', ')}.` : undefined]
      .filter((part): part is string => part !== undefined)
      .join(' ') || undefined;

  if (pinnedReference) {
    const pinned = await pinnedPractice(api, pinnedReference, { available, disabled, unavailable });
    if (unread.some((p) => p.id === pinned.id)) {
      throw new UpstreamUnavailable(`${pinned.name}, the configured practice, could not be read from Escape Dental.`);
    }
    return { scope: scopeFor(available, pinned, disabled, unavailable), incomplete };
  }
  if (available.length === 0) {
    if (incomplete) throw new UpstreamUnavailable(`No practice could be read from Escape Dental yet. ${incomplete}`);
    const unusable = [
      ...disabled.map((p) => `${p.name} (disabled in Escape Dental)`),
      ...unavailable.map((p) => `${p.name} (${p.reason.replace(/\.$/, '')})`),
    ];
    throw new StartupError(
      unusable.length > 0
        ? `No practice this credential can access can be used: ${unusable.join('; ')}.`
        : 'The Escape Dental credential cannot access any practice. Use a credential of a practice member (or an OAuth app the practice has connected).',
    );
  }
  return { scope: scopeFor(available, undefined, disabled, unavailable), incomplete };
}

/** ESCAPE_PRACTICE / --practice among the practices read, or (an id) read on its own. */
async function pinnedPractice(
  api: EscapeApi,
  reference: string,
  found: { available: PracticeRef[]; disabled: { id: string; name: string }[]; unavailable: UnavailablePractice[] },
): Promise<PracticeRef> {
  // A disabled or unusable practice can be pinned: every call then explains why it cannot be used.
  const unusableRef = (p: { id: string; name: string }): PracticeRef => ({ ...p, timezone: 'UTC' });
  const known = [...found.available, ...found.disabled.map(unusableRef), ...found.unavailable.map(unusableRef)];
  try {
    return findPractice(reference, known);
  } catch (error) {
    // An id that discovery did not list (an OAuth grant without a membership, say).
    const id = reference.trim();
    const alone = /^[0-9a-f-]{36}$/i.test(id) ? await api.practices.discoverOne(id) : undefined;
    if (alone?.status === 'available') return { id, name: alone.name, timezone: alone.timezone };
    if (alone?.status === 'disabled') {
      found.disabled.push({ id, name: alone.name });
      return unusableRef(alone);
    }
    if (alone?.status === 'unavailable') {
      if (alone.retryable) throw new UpstreamUnavailable(alone.reason);
      found.unavailable.push({ id, name: alone.name, reason: alone.reason });
      return unusableRef(alone);
    }
    throw new StartupError(
      `ESCAPE_PRACTICE / --practice: ${(error as Error).message} Set it to one of the practices the credential can access, or leave it unset.`,
    );
  }
}

export interface DiscoveryStatus {
  /** True once the practice list has been read. */
  ready: boolean;
  /** Why not ready; or, when ready, what an outage left out and is being read again. */
  reason: string | undefined;
  practices: { available: number; disabled: number; unavailable: number };
  lastAttemptAt: string | undefined;
  nextAttemptAt: string | undefined;
}

export interface PracticeDirectoryOptions {
  /** One read of the practice list (`discoverPractices`). */
  read: () => Promise<Discovered>;
  /** Runs before a newly read list is served (gate rows, reference data); must not throw. */
  prepare: (scope: PracticeScope) => Promise<void>;
  pinnedByConfiguration: boolean;
  logger: Logger;
  /** The wait before the next read after `failures` failed (or incomplete) reads in a row. */
  retryDelayMs?: (failures: number) => number;
}

/** Backoff between background reads: doubling up to a cap, each jittered so instances do not read in step. */
export function discoveryRetryDelayMs(failures: number, random: () => number = Math.random): number {
  const base = Math.min(60_000, 1_000 * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

interface MutablePending {
  reason: string;
  unreachable: boolean;
  pinnedByConfiguration: boolean;
}

export class PracticeDirectory {
  private current: PracticeScope;
  /** The object the pending scope carries: updated in place after every failed read. */
  private readonly pending: MutablePending;
  private incomplete: string | undefined;
  private failures = 0;
  private launching = true;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;
  private lastAttemptAt: Date | undefined;
  private nextAttemptAt: Date | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly retryDelayMs: (failures: number) => number;

  constructor(private readonly options: PracticeDirectoryOptions) {
    this.pending = {
      reason: 'Escape Dental has not answered yet',
      unreachable: true,
      pinnedByConfiguration: options.pinnedByConfiguration,
    };
    this.current = pendingScope(this.pending);
    this.retryDelayMs = options.retryDelayMs ?? ((failures) => discoveryRetryDelayMs(failures));
  }

  /** The practices served now (a pending scope until the list has been read once). */
  get scope(): PracticeScope {
    return this.current;
  }

  /**
   * The first read. Resolves when it has an outcome, or after `launchWaitMs` (it then goes on in
   * the background): a server that waits longer would outlast an MCP client's start-up timeout.
   * Rejects with a StartupError when the answer is one that waiting cannot change (a rejected
   * credential, no practice, a pin that names none).
   */
  async start(launchWaitMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, launchWaitMs);
    });
    try {
      await Promise.race([this.read(), waited]);
    } finally {
      clearTimeout(timer);
      this.launching = false;
    }
    if (this.current.pending) {
      this.options.logger.warn(
        { reason: this.pending.reason },
        'serving without a practice list: Escape Dental could not be read; retrying in the background',
      );
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  status(): DiscoveryStatus {
    const scope = this.current;
    return {
      ready: !scope.pending,
      reason: scope.pending ? pendingMessage(scope.pending) : this.incomplete,
      practices: {
        available: scope.available.length,
        disabled: scope.disabled.length,
        unavailable: scope.unavailable.length,
      },
      lastAttemptAt: this.lastAttemptAt?.toISOString(),
      nextAttemptAt: this.nextAttemptAt?.toISOString(),
    };
  }

  private read(): Promise<void> {
    this.reading ??= this.readOnce().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async readOnce(): Promise<void> {
    this.lastAttemptAt = new Date();
    let found: Discovered;
    try {
      found = await this.options.read();
    } catch (error) {
      if (this.launching && isPermanent(error)) throw asStartupError(error);
      this.failed(error);
      return;
    }
    try {
      await this.options.prepare(found.scope);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'preparing the practices read failed; serving them anyway');
    }
    this.publish(found);
  }

  private publish(found: Discovered): void {
    const changed = scopeKey(found.scope) !== scopeKey(this.current);
    const wasPending = this.current.pending !== undefined;
    this.current = found.scope;
    this.incomplete = found.incomplete;
    if (wasPending && !this.launching) {
      this.options.logger.info(
        { practices: found.scope.available.map((p) => p.id) },
        'practice list read from Escape Dental; serving',
      );
    }
    if (found.incomplete) {
      this.failures += 1;
      this.options.logger.warn({ incomplete: found.incomplete }, 'practice list read in part; reading it again later');
      this.schedule();
    } else {
      this.failures = 0;
    }
    if (changed) for (const listener of this.listeners) listener();
  }

  private failed(error: unknown): void {
    this.failures += 1;
    const reason = error instanceof Error ? error.message : String(error);
    const unreachable = !isPermanent(error);
    if (!(error instanceof StartupError) && !(error instanceof EscapeApiError)) {
      this.options.logger.error({ err: error }, 'reading the practice list failed unexpectedly');
    }
    if (this.current.pending) {
      this.pending.reason = reason;
      this.pending.unreachable = unreachable;
    } else {
      // A list read before keeps being served: one bad answer later must not take it away.
      this.options.logger.warn({ reason }, 'reading the practice list again failed; keeping the last one');
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped || this.timer) return;
    const delay = this.retryDelayMs(this.failures);
    this.nextAttemptAt = new Date(Date.now() + delay);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.nextAttemptAt = undefined;
      this.read().catch((error: unknown) =>
        this.options.logger.error({ err: error }, 'reading the practice list failed unexpectedly'),
      );
    }, delay);
    this.timer.unref();
  }
}

/** Failures that reading again cannot cure: a rejected credential, an answer with nothing to serve. */
function isPermanent(error: unknown): boolean {
  if (error instanceof StartupError) return true;
  return error instanceof EscapeApiError && !error.retryable;
}

function asStartupError(error: unknown): Error {
  if (error instanceof StartupError) return error;
  if (error instanceof EscapeApiError) {
    return new StartupError(
      `Could not read the practices this credential can use from Escape Dental: ${error.message}`,
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** What identifies a practice list for "has it changed" (reasons aside: their wording may vary). */
function scopeKey(scope: PracticeScope): string {
  return JSON.stringify([
    scope.pending ? 'pending' : 'read',
    scope.pinned?.id,
    scope.available.map((p) => [p.id, p.name, p.timezone]),
    scope.disabled.map((p) => [p.id, p.name]),
    scope.unavailable.map((p) => [p.id, p.name]),
  ]);
}
