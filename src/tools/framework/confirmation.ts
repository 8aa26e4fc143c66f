/**
 * Confirmation tokens for clients that cannot show the person a confirmation prompt: the first
 * call returns a plain summary and a token bound to exactly what would be written; the write
 * happens only when the call is repeated with `confirm: true` and that token. A token for other
 * details (another time, another patient), an expired one, or one already spent on a write
 * (`WriteLedger.spend`) is refused.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from './idempotency.js';
import type { ConfirmationTokens } from './types.js';

/** How long a summary the person saw stays good for a yes: prompts and tokens alike. */
export const CONFIRMATION_TTL_MS = 10 * 60_000;

export function createConfirmationTokens(
  options: {
    key?: Buffer /** Signs with the first, accepts any (a rotated key). */;
    keys?: Buffer[];
    now?: () => number;
  } = {},
): ConfirmationTokens {
  const keys = options.keys?.length ? options.keys : [options.key ?? randomBytes(32)];
  const now = options.now ?? Date.now;
  const mac = (key: Buffer, expires: number, id: string, payload: unknown) =>
    createHmac('sha256', key)
      .update(`${expires}.${id}.${canonicalJson(payload)}`)
      .digest('base64url')
      .slice(0, 32);
  return {
    sign(payload) {
      const expires = now() + CONFIRMATION_TTL_MS;
      const id = randomBytes(12).toString('base64url');
      return { token: `${expires.toString(36)}.${id}.${mac(keys[0] as Buffer, expires, id, payload)}`, id };
    },
    verify(token, payload) {
      const [expiresText, id, signature, extra] = token.split('.');
      const expires = Number.parseInt(expiresText ?? '', 36);
      if (!id || !signature || extra !== undefined || !Number.isFinite(expires) || expires < now()) return undefined;
      const given = Buffer.from(signature);
      const matches = keys.some((key) => {
        const expected = Buffer.from(mac(key, expires, id, payload));
        return expected.length === given.length && timingSafeEqual(expected, given);
      });
      return matches ? { id } : undefined;
    },
  };
}
