/**
 * Opens the configured state store: this process's memory unless `--state redis://…` is set, and
 * then Redis, whose client is imported only in that case. With Redis, the confirmation-token and
 * requestState keys come from the shared secret(s), so every replica accepts what another signed;
 * in memory they stay random per process.
 */
import { createHmac } from 'node:crypto';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { memoryStateStore } from './memory.js';
import type { StateStore } from './port.js';

export interface OpenedState {
  store: StateStore;
  /** Per purpose, current key first; undefined: per-process random keys. */
  keys: { confirmation: Buffer[]; requestState: Buffer[] } | undefined;
}

/** How long a lock or in-flight mark outlives its holder beyond a tool's own deadline. */
const LEASE_MARGIN_MS = 30_000;

export async function openState(
  config: Pick<Config, 'state' | 'toolTimeoutMs' | 'http'>,
  logger: Logger,
): Promise<OpenedState> {
  if (!config.state) return { store: memoryStateStore(), keys: undefined };
  const { redisStateStore } = await import('./redis.js');
  let lastLogged = 0;
  const store = await redisStateStore({
    url: config.state.url,
    leaseMs: config.toolTimeoutMs + LEASE_MARGIN_MS,
    gatePollMs: config.http.gatePollSeconds * 1000,
    onError: (error) => {
      // Reconnection retries emit an error each time: one line every ten seconds is enough.
      if (Date.now() - lastLogged < 10_000) return;
      lastLogged = Date.now();
      logger.warn({ err: { name: error.name, message: error.message } }, 'shared state store (Redis) error');
    },
  });
  const derive = (purpose: string) =>
    (config.state?.secrets ?? []).map((secret) => createHmac('sha256', secret).update(purpose).digest());
  return { store, keys: { confirmation: derive('confirmation-token'), requestState: derive('request-state') } };
}
