/**
 * The per-principal caps counted across replicas: one sorted set per principal and kind in Redis,
 * a member per slot held, scored by when its lease ends. A claim drops lapsed members and adds
 * one only under the limit, in one script (atomic). The replica holding a slot renews its lease
 * while it holds it, so a replica that dies frees its slots within one lease. When Redis cannot
 * be reached, this replica's own count still applies (the caps are a fairness guard, not a
 * write guard: opening a session is not refused for want of the store).
 */
import { randomBytes } from 'node:crypto';
import type { createClient } from 'redis';
import {
  grantedOnce,
  InProcessSlotLedger,
  type SlotClaim,
  type SlotKind,
  type SlotLedger,
  type SlotLimits,
} from './slots.js';

const LEASE_MS = 60_000;

// KEYS[1] the set; ARGV: now, lease end, member, limit. 1 when taken, 0 at the limit.
const CLAIM = `redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ${LEASE_MS * 2})
return 1`;

type Client = ReturnType<typeof createClient>;

export function redisSlotLedger(client: Client, limits: SlotLimits, prefix: string): SlotLedger {
  const local = new InProcessSlotLedger(limits);
  const held = new Map<string, string>(); // member → set key
  const keyOf = (kind: SlotKind, principalId: string) => `${prefix}slots:${kind}:${principalId}`;
  const renew = setInterval(() => {
    const until = Date.now() + LEASE_MS;
    for (const [member, key] of held) client.zAdd(key, { score: until, value: member }, { XX: true }).catch(() => {});
  }, LEASE_MS / 3);
  renew.unref();

  return {
    async claim(kind: SlotKind, principalId: string): Promise<SlotClaim> {
      const key = keyOf(kind, principalId);
      const member = randomBytes(12).toString('base64url');
      const now = Date.now();
      let taken: unknown;
      try {
        taken = await client.eval(CLAIM, {
          keys: [key],
          arguments: [String(now), String(now + LEASE_MS), member, String(limits[kind])],
        });
      } catch {
        return local.claim(kind, principalId);
      }
      if (taken !== 1) return { granted: false, limit: limits[kind] };
      held.set(member, key);
      return grantedOnce(() => {
        held.delete(member);
        client.zRem(key, member).catch(() => {});
      });
    },
    async held(kind: SlotKind, principalId: string): Promise<number> {
      try {
        return await client.zCount(keyOf(kind, principalId), Date.now(), '+inf');
      } catch {
        return local.held(kind, principalId);
      }
    },
  };
}
