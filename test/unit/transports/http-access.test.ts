import { describe, expect, it } from 'vitest';
import {
  allowedHostsFor,
  decideHostOrigin,
  type HostOriginPolicy,
  hostAllowed,
  originAllowed,
} from '../../../src/transports/http-access.js';

const loopback: HostOriginPolicy = { allowedHosts: allowedHostsFor(undefined, true), allowedOrigins: undefined };
const request = (over: Partial<Parameters<typeof decideHostOrigin>[1]>) => ({
  route: '/mcp',
  method: 'POST',
  host: '127.0.0.1:3333',
  origin: undefined,
  ...over,
});

describe('Host header', () => {
  it('on a loopback bind without --allowed-hosts: the loopback names only, with or without a port', () => {
    for (const host of ['localhost', 'localhost:3333', '127.0.0.1:3333', '[::1]:3333', 'LOCALHOST:1']) {
      expect(hostAllowed(loopback.allowedHosts, host), host).toBe(true);
    }
    for (const host of [
      'evil.example',
      'localhost.evil.example',
      '127.0.0.1.nip.io:3333',
      '[::2]:3333',
      undefined,
      '',
    ]) {
      expect(hostAllowed(loopback.allowedHosts, host), String(host)).toBe(false);
    }
  });

  it('configured names win over the loopback default; a non-loopback bind without them checks nothing', () => {
    const configured = allowedHostsFor(['mcp.practice.example'], true);
    expect(hostAllowed(configured, 'mcp.practice.example:443')).toBe(true);
    expect(hostAllowed(configured, 'localhost:3333')).toBe(false);
    expect(allowedHostsFor(undefined, false)).toBeUndefined();
    expect(hostAllowed(undefined, 'anything.example')).toBe(true);
  });
});

describe('Origin header', () => {
  it('by default allows loopback origins only; a configured list is matched exactly', () => {
    expect(originAllowed(undefined, 'http://localhost:6274')).toBe(true);
    expect(originAllowed(undefined, 'http://127.0.0.1:5173')).toBe(true);
    for (const origin of ['https://evil.example', 'http://localhost.evil.example', 'null', 'not a url']) {
      expect(originAllowed(undefined, origin), origin).toBe(false);
    }
    const list = ['https://frontdesk.practice.example'];
    expect(originAllowed(list, 'https://frontdesk.practice.example')).toBe(true);
    expect(originAllowed(list, 'https://frontdesk.practice.example:8443')).toBe(false);
    expect(originAllowed(list, 'http://localhost:6274')).toBe(false);
  });
});

describe('the decision for one request', () => {
  it('refuses a foreign Host, except on the health and readiness probes', () => {
    expect(decideHostOrigin(loopback, request({ host: 'evil.example' }))).toEqual({
      ok: false,
      message: 'Invalid Host header',
    });
    expect(decideHostOrigin(loopback, request({ route: '/healthz', host: '10.0.0.5:3333' })).ok).toBe(true);
    expect(decideHostOrigin(loopback, request({ route: '/readyz', host: undefined })).ok).toBe(true);
  });

  it('refuses a foreign Origin on every route, probes and preflights included', () => {
    for (const over of [{}, { route: '/healthz' }, { method: 'OPTIONS' }]) {
      expect(decideHostOrigin(loopback, request({ ...over, origin: 'https://evil.example' }))).toEqual({
        ok: false,
        message: 'Origin not allowed',
      });
    }
  });

  it('gives an allowed Origin its CORS headers, and nothing without an Origin', () => {
    const allowed = decideHostOrigin(loopback, request({ origin: 'http://localhost:6274' }));
    expect(allowed).toEqual({
      ok: true,
      corsHeaders: {
        'access-control-allow-origin': 'http://localhost:6274',
        vary: 'Origin',
        'access-control-expose-headers': 'Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate, Last-Event-Id',
      },
      preflight: undefined,
    });
    expect(decideHostOrigin(loopback, request({}))).toEqual({ ok: true, corsHeaders: {}, preflight: undefined });
  });

  it('answers an OPTIONS preflight with the methods and headers a browser client may use', () => {
    const decision = decideHostOrigin(loopback, request({ method: 'OPTIONS', origin: 'http://localhost:6274' }));
    if (!decision.ok) throw new Error('refused');
    expect(decision.preflight?.['access-control-allow-methods']).toBe('GET, POST, DELETE, OPTIONS');
    expect(decision.preflight?.['access-control-allow-headers']).toContain('X-Escape-Practice');
    expect(decision.preflight?.['access-control-allow-headers']).toContain('Mcp-Session-Id');
  });
});
