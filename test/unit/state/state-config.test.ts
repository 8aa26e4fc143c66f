/**
 * --state / ESCAPE_STATE and the shared secrets: Redis needs a secret every replica shares;
 * tokens signed with the previous secret are still accepted while it is rotated out, and a token
 * signed with neither is refused. Without --state nothing changes (memory, random keys).
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { openState } from '../../../src/state/index.js';
import { createConfirmationTokens } from '../../../src/tools/framework/confirmation.js';

const SECRET = 'a'.repeat(40);
const OLD_SECRET = 'b'.repeat(40);

describe('--state', () => {
  it('keeps state in the process by default', async () => {
    const config = parseConfig(['http'], {});
    expect(config.state).toBeUndefined();
    const opened = await openState(config, createLogger({ level: 'silent' }));
    expect(opened.store.kind).toBe('memory');
    expect(opened.keys).toBeUndefined();
  });

  it('needs ESCAPE_STATE_SECRET with a Redis URL, and says so', () => {
    expect(() => parseConfig(['http', '--state', 'redis://127.0.0.1:6379'], {})).toThrow(ConfigError);
    expect(() => parseConfig(['http', '--state', 'redis://127.0.0.1:6379'], {})).toThrow(/needs ESCAPE_STATE_SECRET/);
    expect(() => parseConfig(['http', '--state', 'memcached://x'], { ESCAPE_STATE_SECRET: SECRET })).toThrow(
      /--state must be a Redis URL/,
    );
    expect(() => parseConfig(['http'], { ESCAPE_STATE: 'redis://h:1', ESCAPE_STATE_SECRET: 'short' })).toThrow(
      /at least 32 characters/,
    );
  });

  it('reads the URL and both secrets, current first', () => {
    const config = parseConfig(['http'], {
      ESCAPE_STATE: 'redis://cache:6379',
      ESCAPE_STATE_SECRET: SECRET,
      ESCAPE_STATE_SECRET_PREVIOUS: OLD_SECRET,
    });
    expect(config.state).toEqual({ url: 'redis://cache:6379', secrets: [SECRET, OLD_SECRET] });
  });
});

describe('rotated confirmation keys', () => {
  it('accepts a token signed with the previous key, refuses one signed with an unknown key', () => {
    const [current, previous, unknown] = ['c', 'p', 'u'].map((c) => Buffer.alloc(32, c)) as [Buffer, Buffer, Buffer];
    const payload = { tool: 'book_appointment', at: 9 };
    const before = createConfirmationTokens({ keys: [previous] }).sign(payload);
    const after = createConfirmationTokens({ keys: [current, previous] });
    expect(after.verify(before.token, payload)).toEqual({ id: before.id });
    expect(after.verify(before.token, { ...payload, at: 10 })).toBeUndefined();
    expect(createConfirmationTokens({ keys: [current] }).verify(before.token, payload)).toBeUndefined();
    const stranger = createConfirmationTokens({ keys: [unknown] }).sign(payload);
    expect(after.verify(stranger.token, payload)).toBeUndefined();
  });
});
