/**
 * Escape's gate rows read by one replica for all: each poll, a replica takes or renews the poller
 * lease (SET NX PX, renewed by its holder); the holder reads the rows upstream, stores them and,
 * when they changed, publishes the practice id. The others read the stored rows, and poll at once
 * on a publication, so their sessions get tools/list_changed about when the poller's do. If
 * Redis cannot be reached, each replica reads upstream as it would alone.
 */
import { randomBytes } from 'node:crypto';
import type { createClient } from 'redis';
import type { GateFeed, GateRows } from './port.js';

type Client = ReturnType<typeof createClient>;

export async function redisGateFeed(client: Client, prefix: string, leaseMs: number): Promise<GateFeed> {
  const me = randomBytes(12).toString('base64url');
  const pollerKey = `${prefix}gates:poller`;
  const rowsKey = (practiceId: string) => `${prefix}gates:rows:${practiceId}`;
  const channel = `${prefix}gates:changed`;
  const listeners = new Set<() => void>();
  const subscriber = client.duplicate();
  subscriber.on('error', () => undefined);
  await subscriber
    .connect()
    .then(() =>
      subscriber.subscribe(channel, (from) => {
        if (from !== me) for (const listener of listeners) listener();
      }),
    )
    .catch(() => undefined);

  const isPoller = async (): Promise<boolean> => {
    const taken = await client.set(pollerKey, me, { condition: 'NX', expiration: { type: 'PX', value: leaseMs } });
    if (taken === 'OK') return true;
    if ((await client.get(pollerKey)) !== me) return false;
    await client.pExpire(pollerKey, leaseMs);
    return true;
  };

  return {
    async read(practiceId, upstream) {
      let poller: boolean;
      try {
        poller = await isPoller();
      } catch {
        return upstream(practiceId);
      }
      if (!poller) {
        const stored = await client.get(rowsKey(practiceId)).catch(() => null);
        return stored ? (JSON.parse(stored) as GateRows) : upstream(practiceId);
      }
      const rows = await upstream(practiceId);
      const text = JSON.stringify(rows);
      const before = await client.set(rowsKey(practiceId), text, { GET: true }).catch(() => text);
      if (before !== text) await client.publish(channel, me).catch(() => undefined);
      return rows;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      await subscriber.close().catch(() => undefined);
    },
  };
}
