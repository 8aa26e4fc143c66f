/**
 * The state store in Redis, for several server processes behind one load balancer. Client:
 * node-redis (`redis`), the client maintained by Redis itself, promise-native and typed, with
 * Lua scripting and no runtime dependencies beyond its own packages. Loaded by dynamic import
 * only when `--state redis://…` is set.
 *
 * - Locks: `SET key token NX PX lease` per key, taken in sorted order (as in one process), and
 *   released by a compare-and-delete script so a lock that expired and was taken by another
 *   replica is never released by the first (the single-instance pattern of the Redis docs; one
 *   Redis, so no Redlock quorum).
 * - Ledger: a completed write's result under `done:` for the write window; the write in flight
 *   under `inflight:` (an identical call on another replica waits for it and gets its result);
 *   spent confirmations under `spent:` — claimed atomically by a script.
 *
 * Offline commands are not queued: while Redis is unreachable every write is refused at once
 * (StateStoreUnavailable), and reads, which never touch the store, go on.
 */
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { RequestAborted } from '../api/errors.js';
import type { WriteLocks } from './locks.js';
import {
  IdenticalWriteFailed,
  type SessionDirectory,
  type StateStore,
  StateStoreUnavailable,
  type WriteLedgerPort,
  WriteStillInProgress,
} from './port.js';
import { redisGateFeed } from './redis-gates.js';
import { redisSlotLedger } from './redis-slots.js';
import { WRITE_WINDOW_MS } from './write-ledger.js';

const PREFIX = 'edm:';
const WAIT_STEP_MS = 25;
const CONNECT_WAIT_MS = 5_000;
const PING_TIMEOUT_MS = 2_000;
/** A session record outlives no replica for long: a crashed replica's sessions are forgotten in a day. */
const SESSION_RECORD_SECONDS = 24 * 3600;

// Deletes KEYS[1] only while it still holds ARGV[1] (our token).
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
// Spends confirmation KEYS[1] on write ARGV[1]: 1 the first time; after that 1 only for the same
// write while it is in flight (KEYS[2]) or its result stands (KEYS[3]).
const SPEND = `local spentOn = redis.call('GET', KEYS[1])
if spentOn then
  if spentOn == ARGV[1] and (redis.call('EXISTS', KEYS[2]) == 1 or redis.call('EXISTS', KEYS[3]) == 1) then return 1 end
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

type Client = ReturnType<typeof createClient>;

export interface RedisStateOptions {
  url: string;
  /** How long a lock or an in-flight mark outlives a process that died holding it. */
  leaseMs: number;
  /** The gate poll's period: the poller's lease outlives two of them. */
  gatePollMs: number;
  windowMs?: number;
  onError?: (error: Error) => void;
}

export async function redisStateStore(options: RedisStateOptions): Promise<StateStore> {
  const client: Client = createClient({
    url: options.url,
    disableOfflineQueue: true,
    socket: { connectTimeout: PING_TIMEOUT_MS, reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 2_000) },
  });
  client.on('error', (error: Error) => options.onError?.(error));
  // Not fatal: the server starts, /readyz says the store is down, writes are refused until it is back.
  const connected = client.connect().then(
    () => true,
    () => false,
  );
  await Promise.race([connected, sleep(CONNECT_WAIT_MS)]);

  const windowMs = options.windowMs ?? WRITE_WINDOW_MS;
  const store = async <T>(command: () => Promise<T>): Promise<T> => {
    try {
      return await command();
    } catch (error) {
      throw new StateStoreUnavailable(error);
    }
  };
  const release = (key: string, token: string) =>
    client.eval(RELEASE, { keys: [key], arguments: [token] }).catch(() => undefined);

  const locks: WriteLocks = {
    async run<T>(keys: readonly string[], signal: AbortSignal, work: () => Promise<T>): Promise<T> {
      const sorted = [...new Set(keys)].sort().map((key) => `${PREFIX}lock:${key}`);
      const token = randomBytes(16).toString('base64url');
      const held: string[] = [];
      let waited = false;
      try {
        for (const key of sorted) {
          for (;;) {
            if (signal.aborted) throw waited ? new WriteStillInProgress() : new RequestAborted();
            const taken = await store(() =>
              client.set(key, token, { condition: 'NX', expiration: { type: 'PX', value: options.leaseMs } }),
            );
            if (taken === 'OK') break;
            waited = true;
            await sleep(WAIT_STEP_MS + Math.random() * WAIT_STEP_MS);
          }
          held.push(key);
        }
        return await work();
      } finally {
        await Promise.all(held.map((key) => release(key, token)));
      }
    },
  };

  const doneKey = (key: string) => `${PREFIX}done:${key}`;
  const inflightKey = (key: string) => `${PREFIX}inflight:${key}`;
  /**
   * Waits while a write for this key is in flight on any replica; the mark waited on, if any.
   * The writer may be a replica that died: its mark lasts its lease, longer than our deadline.
   */
  const waitWhileInflight = async (key: string, signal?: AbortSignal): Promise<string | undefined> => {
    const theirs = await store(() => client.get(inflightKey(key)));
    while (theirs && (await store(() => client.get(inflightKey(key)))) === theirs) {
      if (signal?.aborted) throw new WriteStillInProgress();
      await sleep(WAIT_STEP_MS);
    }
    return theirs ?? undefined;
  };
  const ledger: WriteLedgerPort = {
    async settled<T>(key: string, signal?: AbortSignal) {
      await waitWhileInflight(key, signal);
      return ledger.recall<T>(key);
    },
    async recall<T>(key: string) {
      const text = await store(() => client.get(doneKey(key)));
      return text ? (JSON.parse(text) as { value: T; at: number }) : undefined;
    },
    async forget(key) {
      await store(() => client.del(doneKey(key)));
    },
    async once<T>(key: string, write: () => Promise<T>, signal?: AbortSignal) {
      for (;;) {
        const earlier = await ledger.recall<T>(key);
        if (earlier) return { value: earlier.value, repeated: true };
        const token = randomBytes(16).toString('base64url');
        const mine = await store(() =>
          client.set(inflightKey(key), token, {
            condition: 'NX',
            expiration: { type: 'PX', value: options.leaseMs },
          }),
        );
        if (mine === 'OK') {
          try {
            const value = await write();
            // The write stands whether or not the store keeps its result.
            await client
              .set(doneKey(key), JSON.stringify({ value, at: Date.now() }), {
                expiration: { type: 'PX', value: windowMs },
              })
              .catch(() => undefined);
            return { value, repeated: false };
          } catch (error) {
            await client
              .set(`${PREFIX}failed:${key}`, token, { expiration: { type: 'PX', value: windowMs } })
              .catch(() => undefined);
            throw error;
          } finally {
            await release(inflightKey(key), token);
          }
        }
        // The same write is in flight on another replica (or another call here): wait for it.
        const theirs = await waitWhileInflight(key, signal);
        if (theirs && (await store(() => client.get(`${PREFIX}failed:${key}`))) === theirs) {
          throw new IdenticalWriteFailed(
            'An identical write sent at the same moment (through this or another server replica) failed, so this call wrote nothing. Check the schedule before trying again.',
          );
        }
      }
    },
    async spend(confirmationId, key) {
      const reply = await store(() =>
        client.eval(SPEND, {
          keys: [`${PREFIX}spent:${confirmationId}`, inflightKey(key), doneKey(key)],
          arguments: [key, String(windowMs)],
        }),
      );
      return reply === 1;
    },
  };

  const sessionKey = (id: string) => `${PREFIX}session:${id}`;
  const sessions: SessionDirectory = {
    async record(id, principalId) {
      await client.set(sessionKey(id), principalId, { expiration: { type: 'EX', value: SESSION_RECORD_SECONDS } });
    },
    async drop(id) {
      await client.del(sessionKey(id));
    },
    async owner(id) {
      return (await client.get(sessionKey(id))) ?? undefined;
    },
  };

  const gates = await redisGateFeed(client, PREFIX, Math.max(2 * options.gatePollMs, 5_000));

  return {
    kind: 'redis',
    gates,
    ledger: () => ledger,
    locks,
    sessions,
    slots: (limits) => redisSlotLedger(client, limits, PREFIX),
    async health() {
      if (!client.isReady) return { ok: false, reason: 'the shared state store (Redis) is not connected' };
      try {
        const pong = await Promise.race([client.ping(), sleep(PING_TIMEOUT_MS).then(() => 'timeout')]);
        return pong === 'PONG'
          ? { ok: true }
          : { ok: false, reason: 'the shared state store (Redis) did not answer PING' };
      } catch {
        return { ok: false, reason: 'the shared state store (Redis) did not answer PING' };
      }
    },
    async close() {
      await gates.close();
      await client.close().catch(() => undefined);
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
