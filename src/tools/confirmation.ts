/**
 * Confirmation tokens for clients that cannot show the person a confirmation prompt: the first
 * call returns a plain summary and a token bound to exactly what would be written; the write
 * happens only when the call is repeated with `confirm: true` and that token. A token for other
 * details (another time, another patient) or an expired one is refused.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from './idempotency.js';
import type { ConfirmationTokens } from './types.js';

const TTL_MS = 10 * 60_000;

export function createConfirmationTokens(options: { key?: Buffer; now?: () => number } = {}): ConfirmationTokens {
  const key = options.key ?? randomBytes(32);
  const now = options.now ?? Date.now;
  const mac = (expires: number, payload: unknown) =>
    createHmac('sha256', key)
      .update(`${expires}.${canonicalJson(payload)}`)
      .digest('base64url')
      .slice(0, 32);
  return {
    sign(payload) {
      const expires = now() + TTL_MS;
      return `${expires.toString(36)}.${mac(expires, payload)}`;
    },
    verify(token, payload) {
      const [expiresText, signature] = token.split('.');
      const expires = Number.parseInt(expiresText ?? '', 36);
      if (!signature || !Number.isFinite(expires) || expires < now()) return false;
      const expected = Buffer.from(mac(expires, payload));
      const given = Buffer.from(signature);
      return expected.length === given.length && timingSafeEqual(expected, given);
    },
  };
}
