/**
 * Task runs of the MCP tasks extension (io.modelcontextprotocol/tasks, SEP-2663), without the
 * protocol: who owns a run, its status, what it is waiting for, its answer, when it is forgotten.
 * `src/mcp/tasks.ts` maps this onto tools/call, tasks/get, tasks/update and tasks/cancel.
 *
 * A run belongs to the principal that started it: every lookup names the owner, and a run of
 * another principal is "unknown" (the same answer as an id that never existed, so ids leak nothing).
 */
import { randomUUID } from 'node:crypto';

export type TaskStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

/** A protocol-level failure (not a tool error: those complete with an error result). */
export interface TaskFailure {
  code: number;
  message: string;
}

export interface TaskSnapshot {
  taskId: string;
  status: TaskStatus;
  statusMessage?: string;
  createdAt: string;
  lastUpdatedAt: string;
  ttlMs: number;
  pollIntervalMs: number;
  /** Set once completed. */
  result?: unknown;
  /** Set once failed. */
  error?: TaskFailure;
  /** Set while input_required: the requests still unanswered, by key. */
  inputRequests?: Record<string, unknown>;
}

/** What the code running a task sees of it. */
export interface TaskRun {
  readonly taskId: string;
  /** Aborts when the owner cancels the task. */
  readonly signal: AbortSignal;
  /** Shown as the task's status message on the next tasks/get. */
  report: (message: string) => void;
  /**
   * Parks the task in input_required with these requests until every one is answered through
   * `answer` (in one update or several); resolves with the answers by key.
   */
  input: (requests: Record<string, unknown>) => Promise<Record<string, unknown>>;
}

export interface TaskLimits {
  /** Runs one principal may have working or waiting for input at once. */
  activePerPrincipal: number;
  /** How long a run stays readable after its last change. */
  ttlMs: number;
  /** How often a client is asked to poll. */
  pollIntervalMs: number;
  /** Finished runs kept per principal beyond which the oldest are forgotten early. */
  keptPerPrincipal: number;
  /** The deadline of the work inside a task (a plain call has the shorter tool deadline). */
  runDeadlineMs: number;
}

const DEFAULT_TASK_LIMITS: TaskLimits = {
  activePerPrincipal: 4,
  ttlMs: 15 * 60_000,
  pollIntervalMs: 1000,
  keptPerPrincipal: 50,
  runDeadlineMs: 10 * 60_000,
};

export type StartOutcome =
  | { ok: true; task: TaskSnapshot }
  | { ok: false; reason: 'too_many'; limit: number }
  | { ok: false; reason: 'closed' };

interface Entry {
  owner: string;
  snapshot: TaskSnapshot;
  controller: AbortController;
  pending: Map<string, unknown>;
  answers: Record<string, unknown>;
  whenAnswered?: { resolve: (answers: Record<string, unknown>) => void; reject: (reason: unknown) => void };
  touchedMs: number;
}

const TERMINAL: readonly TaskStatus[] = ['completed', 'failed', 'cancelled'];

export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL.includes(status);
}

export class TaskRegistry {
  private readonly entries = new Map<string, Entry>();
  private closed = false;
  readonly limits: TaskLimits;
  private readonly nowMs: () => number;

  constructor(limits: Partial<TaskLimits> = {}, nowMs: () => number = Date.now) {
    this.limits = { ...DEFAULT_TASK_LIMITS, ...limits };
    this.nowMs = nowMs;
  }

  /**
   * Creates a run for `owner` and starts `work` on it; the run is readable before this returns
   * (a tasks/get right after the create must find it). `work`'s answer completes the run; a throw
   * fails it, unless the run was cancelled first (then nothing it does changes the status).
   */
  start(owner: string, work: (run: TaskRun) => Promise<unknown>): StartOutcome {
    if (this.closed) return { ok: false, reason: 'closed' };
    this.sweep();
    const active = [...this.entries.values()].filter((e) => e.owner === owner && !isTerminal(e.snapshot.status));
    if (active.length >= this.limits.activePerPrincipal) {
      return { ok: false, reason: 'too_many', limit: this.limits.activePerPrincipal };
    }
    const stamp = new Date(this.nowMs()).toISOString();
    const entry: Entry = {
      owner,
      snapshot: {
        taskId: randomUUID(),
        status: 'working',
        createdAt: stamp,
        lastUpdatedAt: stamp,
        ttlMs: this.limits.ttlMs,
        pollIntervalMs: this.limits.pollIntervalMs,
      },
      controller: new AbortController(),
      pending: new Map(),
      answers: {},
      touchedMs: this.nowMs(),
    };
    this.entries.set(entry.snapshot.taskId, entry);
    const run: TaskRun = {
      taskId: entry.snapshot.taskId,
      signal: entry.controller.signal,
      report: (message) => {
        if (!isTerminal(entry.snapshot.status)) this.update(entry, { statusMessage: message });
      },
      input: (requests) => this.awaitInput(entry, requests),
    };
    // Started after the entry exists, on a later tick: the create answer never waits for the work.
    queueMicrotask(() => {
      work(run).then(
        (result) => this.finish(entry, { status: 'completed', result }),
        (error: unknown) => this.finish(entry, { status: 'failed', error: failureOf(error) }),
      );
    });
    return { ok: true, task: this.view(entry) };
  }

  /** The run as its owner sees it now; undefined when unknown, expired or someone else's. */
  get(owner: string, taskId: string): TaskSnapshot | undefined {
    const entry = this.owned(owner, taskId);
    return entry && this.view(entry);
  }

  /**
   * Cancels a run of `owner`: it is `cancelled` from now on and its work is aborted. A finished
   * run stays as it was. False when the run is unknown (or someone else's).
   */
  cancel(owner: string, taskId: string): boolean {
    const entry = this.owned(owner, taskId);
    if (!entry) return false;
    if (isTerminal(entry.snapshot.status)) return true;
    this.finish(entry, { status: 'cancelled', statusMessage: 'Cancelled at your request.' });
    return true;
  }

  /**
   * Ends every run still working or waiting (the process is stopping): each fails with a message
   * saying so, and its work is aborted. Nothing can be started afterwards.
   */
  close(): void {
    this.closed = true;
    for (const entry of this.entries.values()) {
      if (isTerminal(entry.snapshot.status)) continue;
      entry.controller.abort(new TaskCancelledError());
      this.finish(entry, { status: 'failed', error: { code: INTERNAL_ERROR, message: SHUT_DOWN } });
    }
  }

  /**
   * Delivers answers to a run waiting for input. Keys the run is not waiting for are ignored; the
   * run resumes once every pending request is answered. False when the run is unknown.
   */
  answer(owner: string, taskId: string, responses: Record<string, unknown>): boolean {
    const entry = this.owned(owner, taskId);
    if (!entry) return false;
    if (entry.snapshot.status !== 'input_required') return true;
    for (const [key, value] of Object.entries(responses)) {
      if (!entry.pending.has(key)) continue;
      entry.pending.delete(key);
      entry.answers[key] = value;
    }
    if (entry.pending.size > 0) {
      this.update(entry, { inputRequests: Object.fromEntries(entry.pending) });
      return true;
    }
    const answers = entry.answers;
    entry.answers = {};
    const waiting = entry.whenAnswered;
    entry.whenAnswered = undefined;
    this.update(entry, { status: 'working', inputRequests: undefined });
    waiting?.resolve(answers);
    return true;
  }

  private awaitInput(entry: Entry, requests: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (isTerminal(entry.snapshot.status)) return Promise.reject(entry.controller.signal.reason);
    entry.pending = new Map(Object.entries(requests));
    entry.answers = {};
    this.update(entry, { status: 'input_required', inputRequests: { ...requests } });
    return new Promise((resolve, reject) => {
      entry.whenAnswered = { resolve, reject };
    });
  }

  private finish(entry: Entry, change: Partial<TaskSnapshot>): void {
    if (isTerminal(entry.snapshot.status)) return;
    this.update(entry, { ...change, inputRequests: undefined });
    entry.pending.clear();
    const waiting = entry.whenAnswered;
    entry.whenAnswered = undefined;
    if (change.status === 'cancelled') {
      entry.controller.abort(new TaskCancelledError());
      waiting?.reject(entry.controller.signal.reason);
    } else {
      waiting?.reject(new TaskCancelledError());
    }
    this.trim(entry.owner);
  }

  private update(entry: Entry, change: Partial<TaskSnapshot>): void {
    const next: TaskSnapshot = { ...entry.snapshot, ...change, lastUpdatedAt: new Date(this.nowMs()).toISOString() };
    for (const key of Object.keys(next) as (keyof TaskSnapshot)[]) if (next[key] === undefined) delete next[key];
    entry.snapshot = next;
    entry.touchedMs = this.nowMs();
  }

  private owned(owner: string, taskId: string): Entry | undefined {
    this.sweep();
    const entry = this.entries.get(taskId);
    return entry && entry.owner === owner ? entry : undefined;
  }

  private view(entry: Entry): TaskSnapshot {
    const snapshot = { ...entry.snapshot };
    if (snapshot.inputRequests) snapshot.inputRequests = { ...snapshot.inputRequests };
    return snapshot;
  }

  /** Forgets finished runs whose TTL has passed since their last change. */
  private sweep(): void {
    const now = this.nowMs();
    for (const [id, entry] of this.entries) {
      if (isTerminal(entry.snapshot.status) && now - entry.touchedMs > entry.snapshot.ttlMs) this.entries.delete(id);
    }
  }

  /** Keeps at most `keptPerPrincipal` finished runs of one owner: the oldest go first. */
  private trim(owner: string): void {
    const finished = [...this.entries.values()].filter((e) => e.owner === owner && isTerminal(e.snapshot.status));
    const excess = finished.length - this.limits.keptPerPrincipal;
    if (excess <= 0) return;
    finished.sort((a, b) => a.touchedMs - b.touchedMs);
    for (const entry of finished.slice(0, excess)) this.entries.delete(entry.snapshot.taskId);
  }
}

/** The reason a cancelled run's signal aborts with. */
export class TaskCancelledError extends Error {
  constructor() {
    super('The task was cancelled.');
    this.name = 'TaskCancelledError';
  }
}

const INTERNAL_ERROR = -32603;
const SHUT_DOWN = 'The server stopped before the task finished. Ask again.';

function failureOf(error: unknown): TaskFailure {
  if (error !== null && typeof error === 'object') {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (typeof code === 'number' && Number.isInteger(code) && typeof message === 'string') return { code, message };
  }
  // Unexpected failures are not described to the client: the message could carry anything.
  return { code: INTERNAL_ERROR, message: 'The task failed inside the server.' };
}
