import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  bearerChallenge,
  createAuthenticator,
  generateApiKey,
  InboundAuthConfigError,
  loadApiKeys,
  protectedResourceMetadata,
  resourceMetadataUrl,
  sha256Hex,
} from '../../../src/auth/inbound.js';

const AUDIENCE = 'https://mcp.example.com/mcp';
const ISSUER = 'https://login.example.com';
const NOW = new Date('2026-05-01T12:00:00Z');
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

function keysFile(value: unknown): string {
  const path = join(tmpdir(), `inbound-keys-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

async function jwtSetup() {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
  const sign = (claims: Record<string, unknown>, exp = seconds(NOW) + 300, aud = AUDIENCE) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(aud)
      .setSubject('u-1')
      .setExpirationTime(exp)
      .sign(privateKey);
  const authenticator = (readOnly = false) =>
    createAuthenticator({
      mode: 'required',
      readOnly,
      jwt: { issuer: ISSUER, audience: AUDIENCE, keys: createLocalJWKSet({ keys: [jwk] }) },
      now: () => NOW,
    });
  return { sign, authenticator };
}

describe('API keys', () => {
  it('are looked up by sha256 and mapped to their principal; --read-only is a ceiling', async () => {
    const { key, sha256 } = generateApiKey();
    expect(key).toMatch(/^edm_[A-Za-z0-9_-]{43}$/);
    expect(sha256).toBe(sha256Hex(key));
    const entry = { id: 'desk', sha256, practices: ['p1'], scopes: ['scheduling:read' as const], readOnly: false };
    const open = createAuthenticator({ mode: 'required', readOnly: false, apiKeys: [entry] });
    const outcome = await open.authenticate(`Bearer ${key}`);
    expect(outcome).toEqual({
      ok: true,
      principal: { id: 'key:desk', kind: 'api-key', practiceIds: ['p1'], scopes: ['scheduling:read'], readOnly: false },
      expiresAt: undefined,
    });
    const ceiling = createAuthenticator({ mode: 'required', readOnly: true, apiKeys: [entry] });
    const capped = await ceiling.authenticate(`bearer ${key}`);
    expect(capped.ok && capped.principal.readOnly).toBe(true);
  });

  it('reject a missing, malformed or unknown token, with the RFC 6750 error only when one was sent', async () => {
    const auth = createAuthenticator({ mode: 'required', readOnly: false, apiKeys: [] });
    expect(await auth.authenticate(undefined)).toMatchObject({ ok: false, status: 401, error: undefined });
    expect(await auth.authenticate('Basic abc')).toMatchObject({ ok: false, error: 'invalid_request' });
    expect(await auth.authenticate('Bearer edm_unknown')).toMatchObject({ ok: false, error: 'invalid_token' });
  });

  it('load from a file that holds only hashes, with fix-it messages for mistakes', async () => {
    const { sha256 } = generateApiKey();
    const good = await loadApiKeys(
      keysFile({ keys: [{ id: 'a', sha256: sha256.toUpperCase(), practices: 'all', scopes: ['reports:read'] }] }),
    );
    expect(good).toEqual([{ id: 'a', sha256, practices: 'all', scopes: ['reports:read'], readOnly: false }]);

    await expect(loadApiKeys(keysFile('{nope'))).rejects.toThrow(/not valid JSON/);
    await expect(loadApiKeys(join(tmpdir(), 'missing-keys.json'))).rejects.toThrow(InboundAuthConfigError);
    await expect(
      loadApiKeys(keysFile({ keys: [{ id: 'a', sha256: 'abc', practices: 'all', scopes: [] }] })),
    ).rejects.toThrow(/sha256 is the 64-hex-digit hash/);
    await expect(
      loadApiKeys(keysFile({ keys: [{ id: 'a', sha256, practices: 'all', scopes: ['admin'] }] })),
    ).rejects.toThrow(/scopes are among/);
    await expect(
      loadApiKeys(
        keysFile({
          keys: [
            { id: 'a', sha256, practices: 'all', scopes: [] },
            { id: 'b', sha256, practices: 'all', scopes: [] },
          ],
        }),
      ),
    ).rejects.toThrow(/one hash twice/);
  });
});

describe('JWTs', () => {
  it('map sub, the scope claim (our taxonomy only), escape_practices and escape_read_only', async () => {
    const { sign, authenticator } = await jwtSetup();
    const token = await sign({
      scope: 'scheduling:read openid reports:read scheduling:read',
      escape_practices: ['p1', 'p2', 7],
      escape_read_only: true,
    });
    const outcome = await authenticator().authenticate(`Bearer ${token}`);
    expect(outcome).toEqual({
      ok: true,
      principal: {
        id: 'jwt:u-1',
        kind: 'jwt',
        practiceIds: ['p1', 'p2'],
        scopes: ['scheduling:read', 'reports:read'],
        readOnly: true,
      },
      expiresAt: seconds(NOW) + 300,
    });
  });

  it('accept an scp array; no practices claim means no practices', async () => {
    const { sign, authenticator } = await jwtSetup();
    const outcome = await authenticator().authenticate(`Bearer ${await sign({ scp: ['patients:read'] })}`);
    expect(outcome.ok && outcome.principal).toMatchObject({ practiceIds: [], scopes: ['patients:read'] });
  });

  it('reject expired tokens, other audiences and missing exp', async () => {
    const { sign, authenticator } = await jwtSetup();
    const expired = await authenticator().authenticate(`Bearer ${await sign({}, seconds(NOW) - 120)}`);
    expect(expired).toMatchObject({ ok: false, error: 'invalid_token', description: 'The token has expired.' });
    const otherAudience = await authenticator().authenticate(
      `Bearer ${await sign({}, seconds(NOW) + 60, 'https://mcp.example.com/other')}`,
    );
    expect(otherAudience).toMatchObject({ ok: false, description: expect.stringContaining('audience') });
  });

  it('answer 503 (not 401) when the issuer keys cannot be fetched', async () => {
    const { sign } = await jwtSetup();
    const auth = createAuthenticator({
      mode: 'required',
      readOnly: false,
      jwt: {
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: async () => {
          throw new TypeError('fetch failed');
        },
      },
      now: () => NOW,
    });
    expect(await auth.authenticate(`Bearer ${await sign({})}`)).toMatchObject({ ok: false, status: 503 });
  });
});

describe('auth off', () => {
  it('is an anonymous principal with every practice and scope, under the read-only ceiling', async () => {
    const outcome = await createAuthenticator({ mode: 'off', readOnly: true }).authenticate(undefined);
    expect(outcome).toMatchObject({ ok: true, principal: { kind: 'anonymous', practiceIds: 'all', readOnly: true } });
  });
});

describe('challenge and metadata', () => {
  it('point at the path-suffixed RFC 9728 document', () => {
    expect(resourceMetadataUrl('https://mcp.example.com/mcp')).toBe(
      'https://mcp.example.com/.well-known/oauth-protected-resource/mcp',
    );
    expect(resourceMetadataUrl('https://mcp.example.com/')).toBe(
      'https://mcp.example.com/.well-known/oauth-protected-resource',
    );
    const challenge = bearerChallenge(AUDIENCE, { error: 'invalid_token', description: 'The "token" expired.' });
    expect(challenge).toBe(
      'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="scheduling:read scheduling:write patients:read patients:write insurance:read reports:read", error="invalid_token", error_description="The \'token\' expired."',
    );
    expect(bearerChallenge(AUDIENCE, { error: undefined, description: 'x' })).not.toContain('error=');
    expect(protectedResourceMetadata(AUDIENCE, ISSUER)).toMatchObject({
      resource: AUDIENCE,
      authorization_servers: [ISSUER],
    });
    expect(protectedResourceMetadata(AUDIENCE, undefined)).not.toHaveProperty('authorization_servers');
  });
});

describe('JWT lifetime', () => {
  const now = seconds(NOW);
  async function setup(maxLifetimeSeconds?: number) {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
    const sign = (times: { iat?: number; exp: number }) => {
      const jwt = new SignJWT({ escape_practices: ['p1'] })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject('u-1')
        .setExpirationTime(times.exp);
      if (times.iat !== undefined) jwt.setIssuedAt(times.iat);
      return jwt.sign(privateKey);
    };
    const authenticator = createAuthenticator({
      mode: 'required',
      readOnly: false,
      jwt: {
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: createLocalJWKSet({ keys: [jwk] }),
        ...(maxLifetimeSeconds !== undefined ? { maxLifetimeSeconds } : {}),
      },
      now: () => NOW,
    });
    return { sign, authenticator };
  }

  it('refuses a token valid for longer than 24 hours by default (exp - iat), and accepts one within', async () => {
    const { sign, authenticator } = await setup();
    const long = await sign({ iat: now - 60, exp: now + 48 * 3600 });
    const outcome = await authenticator.authenticate(`Bearer ${long}`);
    expect(outcome).toMatchObject({ ok: false, status: 401, error: 'invalid_token' });
    expect(outcome.ok === false && outcome.description).toMatch(/valid for longer than this server accepts \(24 h\)/);
    const day = await sign({ iat: now - 60, exp: now - 60 + 24 * 3600 });
    expect((await authenticator.authenticate(`Bearer ${day}`)).ok).toBe(true);
  });

  it('without iat, the lifetime left counts; the limit is configurable', async () => {
    const { sign, authenticator } = await setup(3600);
    expect((await authenticator.authenticate(`Bearer ${await sign({ exp: now + 7200 })}`)).ok).toBe(false);
    expect((await authenticator.authenticate(`Bearer ${await sign({ exp: now + 1800 })}`)).ok).toBe(true);
    expect((await authenticator.authenticate(`Bearer ${await sign({ iat: now - 60, exp: now + 3000 })}`)).ok).toBe(
      true,
    );
  });

  it('an iat in the future does not shorten the lifetime: it counts from now (exp - min(iat, now))', async () => {
    const { sign, authenticator } = await setup();
    // Claims one hour of validity, usable for 48 from now.
    const forward = await sign({ iat: now + 47 * 3600, exp: now + 48 * 3600 });
    const outcome = await authenticator.authenticate(`Bearer ${forward}`);
    expect(outcome).toMatchObject({ ok: false, status: 401, error: 'invalid_token' });
    expect(outcome.ok === false && outcome.description).toMatch(/valid for longer than this server accepts \(24 h\)/);
    expect((await authenticator.authenticate(`Bearer ${await sign({ iat: now + 60, exp: now + 3600 })}`)).ok).toBe(
      true,
    );
  });
});
