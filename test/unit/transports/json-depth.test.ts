/** The nesting check the HTTP transport runs before parsing a body (src/transports/http.ts). */
import { describe, expect, it } from 'vitest';
import { jsonDepthExceeds } from '../../../src/transports/http.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('jsonDepthExceeds', () => {
  it('counts objects and arrays, not brackets inside strings or escaped quotes', () => {
    expect(jsonDepthExceeds(bytes('{"a":[{"b":[1]}]}'), 4)).toBe(false);
    expect(jsonDepthExceeds(bytes('{"a":[{"b":[[1]]}]}'), 4)).toBe(true);
    expect(jsonDepthExceeds(bytes(`{"text":"${'['.repeat(100)}"}`), 2)).toBe(false);
    expect(jsonDepthExceeds(bytes(`{"text":"\\"${'{'.repeat(100)}"}`), 2)).toBe(false);
    expect(jsonDepthExceeds(bytes(`{"text":"\\\\"}${'['.repeat(5)}`), 2)).toBe(true);
  });

  it('a real tools/call is far below the limit the server uses', () => {
    const call = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'find_spot', arguments: { providers: ['Dr. Dana'], days: { mon: [{ from: '09:00' }] } } },
    });
    expect(jsonDepthExceeds(bytes(call), 64)).toBe(false);
  });
});
