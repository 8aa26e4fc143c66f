/**
 * Where the server keeps the state that must be shared when several processes serve one
 * deployment: the write ledger (exactly-once, spent confirmations), the per-patient/provider/chair
 * write locks, and the keys that sign confirmation tokens and requestState. In one process it is
 * memory (memory.ts, the default); behind a load balancer it is Redis (redis.ts, `--state
 * redis://…`), loaded only then.
 */
import { ToolRefusedError } from '../tenancy/errors.js';
import type { WriteLocks } from './locks.js';
import type { SlotLedger, SlotLimits } from './slots.js';

type MaybePromise<T> = T | Promise<T>;

/** The write ledger's operations (see tools/framework/idempotency.ts for their meaning). */
export interface WriteLedgerPort {
  recall<T>(key: string): MaybePromise<{ value: T; at: number } | undefined>;
  /**
   * `recall`, once the write for this key in flight anywhere (if any) has finished. A wait on
   * another replica's write ends with WriteStillInProgress when `signal` aborts.
   */
  settled<T>(key: string, signal?: AbortSignal): Promise<{ value: T; at: number } | undefined>;
  forget(key: string): MaybePromise<void>;
  once<T>(key: string, write: () => Promise<T>, signal?: AbortSignal): Promise<{ value: T; repeated: boolean }>;
  spend(confirmationId: string, key: string): MaybePromise<boolean>;
}

export interface StoreHealth {
  ok: boolean;
  /** Why not, in words an operator can act on (no secrets, no URLs with passwords). */
  reason?: string;
}

/**
 * Which principal opened each 2025 session (and legacy SSE session) on any replica, so a request
 * reaching a replica that does not hold its session hears "lives elsewhere" rather than a bare
 * "not found". The session itself stays in the replica that opened it (sticky routing).
 */
export interface SessionDirectory {
  record(sessionId: string, principalId: string): Promise<void>;
  drop(sessionId: string): Promise<void>;
  /** The principal that opened it on some replica, if it is open. */
  owner(sessionId: string): Promise<string | undefined>;
}

export type GateRows = { toolKey: string; enabled: boolean }[] | 'unreadable';

/** Gate rows read by one elected replica and shared with the others (see redis-gates.ts). */
export interface GateFeed {
  read(practiceId: string, upstream: (practiceId: string) => Promise<GateRows>): Promise<GateRows>;
  /** Another replica saw the rows change: poll now. */
  onChange(listener: () => void): () => void;
  close(): Promise<void>;
}

export interface StateStore {
  readonly kind: 'memory' | 'redis';
  /** Absent in memory: one process holds every session it knows of. */
  readonly sessions?: SessionDirectory;
  /** The per-principal caps counted across replicas; absent in memory (the transport counts in process). */
  slots?(limits: SlotLimits): SlotLedger;
  /** Absent in memory: this process polls the gates itself. */
  readonly gates?: GateFeed;
  ledger(now: () => number): WriteLedgerPort;
  readonly locks: WriteLocks;
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}

/**
 * The store could not be reached or answered wrongly: a write is refused rather than made
 * without the cross-replica guards (reads do not use the store and go on).
 */
export class StateStoreUnavailable extends ToolRefusedError {
  override name = 'StateStoreUnavailable';
  constructor(cause?: unknown) {
    super(
      'The shared state store (Redis) cannot be reached, so nothing was written: a write without it could be made twice by two server replicas. Reads still work. Try the write again in a minute; if this persists, the operator should check the Redis named by --state.',
      cause === undefined ? undefined : { cause },
    );
  }
}

/**
 * The call's deadline passed while it waited for another write on the same patient, provider or
 * chair, or for the same write in flight: it wrote nothing. With several replicas the other write
 * can belong to a replica that stopped mid-write; its hold lapses with its lease (deadline + 30 s).
 */
export class WriteStillInProgress extends ToolRefusedError {
  override name = 'WriteStillInProgress';
  constructor() {
    super(
      "Another change to this patient's, provider's or chair's schedule was still under way (or was cut off when a server replica stopped), so this call waited and wrote nothing. Check the schedule in a minute, then try again if the change is still needed.",
    );
  }
}

/** An identical write sent at the same moment through another replica failed: this one wrote nothing. */
export class IdenticalWriteFailed extends ToolRefusedError {
  override name = 'IdenticalWriteFailed';
}
