/**
 * A local JWT issuer for HTTP tests: an ES256 key pair and a JWKS served over real HTTP, so the
 * server under test fetches and checks keys as it would from an identity provider.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

export interface TestIssuer {
  /** The issuer URL (`iss`); its JWKS is at `${url}/jwks.json`. */
  url: string;
  /** Server arguments that trust this issuer. */
  args: string[];
  /** A signed token: `claims` merged over `sub`, `iat` (a minute ago) and `exp` (ten minutes on). */
  sign: (audience: string, claims: Record<string, unknown>, times?: { iat?: number; exp?: number }) => Promise<string>;
  close: () => Promise<void>;
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const pair = await generateKeyPair('ES256');
  const publicJwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    args: ['--jwt-issuer', url, '--jwks-url', `${url}/jwks.json`],
    async sign(audience, claims, times = {}) {
      const now = Math.floor(Date.now() / 1000);
      const { sub, ...rest } = claims;
      return new SignJWT(rest)
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer(url)
        .setAudience(audience)
        .setSubject(typeof sub === 'string' ? sub : 'user-1')
        .setIssuedAt(times.iat ?? now - 60)
        .setExpirationTime(times.exp ?? now + 600)
        .sign(pair.privateKey);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
