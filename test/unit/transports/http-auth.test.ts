import { mkdtempSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateApiKey } from '../../../src/auth/inbound.js';
import { parseConfig } from '../../../src/config.js';
import { StartupError } from '../../../src/runtime.js';
import {
  authenticateRequest,
  checkBoundAddress,
  inboundAuthenticator,
  prepareInboundAuth,
} from '../../../src/transports/http-auth.js';

const settings = (args: string[]) => parseConfig(['http', ...args], {}).http;
const request = (headers: Record<string, string | string[]>) => ({ headers }) as unknown as IncomingMessage;
const RESOURCE = 'http://127.0.0.1:3333/mcp';

function keysFile(entries: unknown[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'http-auth-')), 'keys.json');
  writeFileSync(path, JSON.stringify({ keys: entries }));
  return path;
}

describe('inbound auth, before the socket opens', () => {
  it('--auth off only on a loopback address: an IP literal, or a name whose every address is loopback', async () => {
    // config.ts refuses these hosts already; the transport checks again, with the name resolved.
    const off = (host: string) => ({ ...settings(['--auth', 'off']), host });
    await expect(prepareInboundAuth(off('127.0.0.1'), { readOnly: true, demo: false })).resolves.toEqual({
      apiKeys: [],
      demoApiKey: undefined,
      keysFile: undefined,
    });
    const refused = prepareInboundAuth(off('0.0.0.0'), { readOnly: true, demo: false });
    await expect(refused).rejects.toBeInstanceOf(StartupError);
    await expect(refused).rejects.toThrow(/--auth off is allowed only on a loopback address: 0\.0\.0\.0/);
    const mixed = async () => [{ address: '127.0.0.1' }, { address: '203.0.113.7' }];
    await expect(
      prepareInboundAuth(off('dev.example'), { readOnly: true, demo: false, resolve: mixed }),
    ).rejects.toThrow(/dev\.example resolves to 203\.0\.113\.7, which is not a loopback address/);
  });

  it('without keys or an issuer: refused outside the demo; on the demo a key for this run, read-only as configured', async () => {
    await expect(prepareInboundAuth(settings([]), { readOnly: false, demo: false })).rejects.toThrow(
      /needs inbound authentication: set --api-keys-file/,
    );
    const demo = await prepareInboundAuth(settings([]), { readOnly: true, demo: true });
    expect(demo.demoApiKey).toMatch(/^edm_/);
    expect(demo.keysFile).toBeUndefined();
    expect(demo.apiKeys).toEqual([
      expect.objectContaining({
        id: 'demo',
        practices: 'all',
        readOnly: true,
        scopes: expect.arrayContaining(['scheduling:read']),
      }),
    ]);
  });

  it('reads the keys file (and watches that file later); a broken one stops the start with its reason', async () => {
    const { sha256 } = generateApiKey();
    const good = keysFile([{ id: 'frontdesk', sha256, practices: 'all', scopes: ['scheduling:read'], readOnly: true }]);
    const setup = await prepareInboundAuth(settings(['--api-keys-file', good]), { readOnly: false, demo: true });
    expect(setup.apiKeys.map((k) => k.id)).toEqual(['frontdesk']);
    expect(setup.demoApiKey).toBeUndefined();
    expect(setup.keysFile?.path).toBe(good);
    const broken = join(mkdtempSync(join(tmpdir(), 'http-auth-')), 'missing.json');
    await expect(
      prepareInboundAuth(settings(['--api-keys-file', broken]), { readOnly: false, demo: false }),
    ).rejects.toThrow(StartupError);
  });

  it('once bound: --auth off refused when the address actually bound is not loopback', () => {
    expect(() => checkBoundAddress(settings(['--auth', 'off']), '127.0.0.1')).not.toThrow();
    expect(() => checkBoundAddress(settings(['--auth', 'off']), '192.0.2.10')).toThrow(/was bound on 192\.0\.2\.10/);
    expect(() => checkBoundAddress(settings([]), '192.0.2.10')).not.toThrow();
  });
});

describe('who sent a request', () => {
  it('while the server starts: 503, retry shortly', async () => {
    expect(await authenticateRequest(undefined, RESOURCE, request({}))).toMatchObject({
      ok: false,
      status: 503,
      body: { error: 'starting' },
    });
  });

  it('without a valid token: 401 with a Bearer challenge pointing at the resource metadata', async () => {
    const setup = await prepareInboundAuth(settings([]), { readOnly: true, demo: true });
    const authenticator = inboundAuthenticator(settings([]), setup, RESOURCE, true);
    const missing = await authenticateRequest(authenticator, RESOURCE, request({}));
    if (missing.ok) throw new Error('accepted without a token');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toMatch(
      /^Bearer resource_metadata="http:\/\/127\.0\.0\.1:3333\/\.well-known\/oauth-protected-resource\/mcp"/,
    );
    const wrong = await authenticateRequest(authenticator, RESOURCE, request({ authorization: 'Bearer edm_nope' }));
    expect(wrong).toMatchObject({ ok: false, status: 401, body: { error: 'invalid_token' } });
  });

  it('with the key: the principal, and the practice it pins with X-Escape-Practice', async () => {
    const setup = await prepareInboundAuth(settings([]), { readOnly: true, demo: true });
    const authenticator = inboundAuthenticator(settings([]), setup, RESOURCE, true);
    const outcome = await authenticateRequest(
      authenticator,
      RESOURCE,
      request({ authorization: `Bearer ${setup.demoApiKey}`, 'x-escape-practice': ['Sunset Dental LA', 'other'] }),
    );
    if (!outcome.ok) throw new Error(outcome.body.error_description);
    expect(outcome.credential.principal).toMatchObject({ id: 'key:demo', readOnly: true });
    expect(outcome.credential.pin).toBe('Sunset Dental LA');
  });
});
