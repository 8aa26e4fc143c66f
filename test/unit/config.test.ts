import { describe, expect, it } from 'vitest';
import { ConfigError, helpText, isLoopbackAddress, OPTIONS, parseConfig } from '../../src/config.js';
import { loopbackBindingProblem } from '../../src/transports/http-auth.js';

describe('parseConfig', () => {
  it('runs the demo sandbox over stdio when nothing is configured', () => {
    const config = parseConfig([], {});
    expect(config.command).toBe('stdio');
    expect(config.upstream).toEqual({ kind: 'demo' });
    expect(config.readOnly).toBe(false);
    expect(config.http.host).toBe('127.0.0.1');
  });

  it('takes the http command, flags over environment', () => {
    const config = parseConfig(['http', '--port', '4000'], { ESCAPE_MCP_PORT: '5000', ESCAPE_MCP_HOST: '127.0.0.2' });
    expect(config.command).toBe('http');
    expect(config.http.port).toBe(4000);
    expect(config.http.host).toBe('127.0.0.2');
  });

  it('builds a refresh-token upstream with a token store', () => {
    const config = parseConfig(['--token-store', '/tmp/x.json'], {
      ESCAPE_API_URL: 'https://api.example.com/',
      ESCAPE_REFRESH_TOKEN: 'r1',
    });
    expect(config.upstream).toEqual({
      kind: 'remote',
      apiUrl: 'https://api.example.com',
      credential: { kind: 'refresh', refreshToken: 'r1', storePath: '/tmp/x.json' },
    });
  });

  it('--demo wins over a configured API', () => {
    const config = parseConfig(['--demo'], { ESCAPE_API_URL: 'https://api.example.com', ESCAPE_API_TOKEN: 't' });
    expect(config.upstream.kind).toBe('demo');
  });

  it.each([
    [['--port', 'abc'], {}, /--port \/ ESCAPE_MCP_PORT: --port must be a whole number/],
    [[], { ESCAPE_API_URL: 'not a url' }, /ESCAPE_API_URL.*full URL/],
    [[], { ESCAPE_API_URL: 'https://x.example' }, /no credential is: set ESCAPE_API_TOKEN/],
    [[], { ESCAPE_API_URL: 'https://x.example', ESCAPE_API_TOKEN: 'a', ESCAPE_REFRESH_TOKEN: 'b' }, /only one of/],
    [['http', '--auth', 'off', '--host', '0.0.0.0'], {}, /allowed only on a loopback host/],
    [['http', '--auth', 'off', '--host', '::ffff:10.0.0.1'], {}, /allowed only on a loopback host/],
    [['--log-level', 'loud'], {}, /must be one of/],
    [['serve'], {}, /Unknown command "serve"/],
    [['--no-such-flag'], {}, /Run with --help/],
    [[], { ESCAPE_READ_ONLY: 'maybe' }, /use true or false/],
  ] as const)('explains how to fix %j %j', (argv, env, message) => {
    expect(() => parseConfig(argv, env)).toThrow(ConfigError);
    expect(() => parseConfig(argv, env)).toThrow(message);
  });

  it('--jwt-max-lifetime takes seconds or a unit (s, m, h, d), 24 h by default', () => {
    expect(parseConfig(['http'], {}).http.jwtMaxLifetimeSeconds).toBe(86_400);
    expect(parseConfig(['http', '--jwt-max-lifetime', '2h'], {}).http.jwtMaxLifetimeSeconds).toBe(7200);
    expect(parseConfig(['http'], { ESCAPE_MCP_JWT_MAX_LIFETIME: '90m' }).http.jwtMaxLifetimeSeconds).toBe(5400);
    expect(parseConfig(['http', '--jwt-max-lifetime', '600'], {}).http.jwtMaxLifetimeSeconds).toBe(600);
    expect(() => parseConfig(['http', '--jwt-max-lifetime', 'forever'], {})).toThrow(/--jwt-max-lifetime/);
  });

  it('per-principal caps and --local-gates-only', () => {
    const defaults = parseConfig(['http'], {});
    expect(defaults.http).toMatchObject({
      maxSessionsPerPrincipal: 20,
      maxSseConnectionsPerPrincipal: 20,
      maxListenStreamsPerPrincipal: 50,
    });
    expect(defaults.localGatesOnly).toBe(false);
    const set = parseConfig(
      ['http', '--max-sessions-per-principal', '3', '--max-sse-per-principal', '4', '--local-gates-only'],
      { ESCAPE_MCP_MAX_LISTEN_PER_PRINCIPAL: '5' },
    );
    expect(set.http).toMatchObject({
      maxSessionsPerPrincipal: 3,
      maxSseConnectionsPerPrincipal: 4,
      maxListenStreamsPerPrincipal: 5,
    });
    expect(set.localGatesOnly).toBe(true);
    expect(parseConfig([], { ESCAPE_LOCAL_GATES_ONLY: 'true' }).localGatesOnly).toBe(true);
    expect(() => parseConfig(['http', '--max-sessions-per-principal', '0'], {})).toThrow(/between 1 and/);
  });

  it('--toolsets / ESCAPE_TOOLSETS choose the toolsets offered: the front desk\'s by default, "all", or a list', () => {
    expect(parseConfig([], {}).toolsets).toEqual(['scheduling', 'patients', 'worklists']);
    expect(parseConfig(['--toolsets', 'all'], {}).toolsets).toEqual([
      'scheduling',
      'patients',
      'insurance',
      'reports',
      'worklists',
    ]);
    expect(parseConfig(['--toolsets', 'scheduling, worklists'], {}).toolsets).toEqual(['scheduling', 'worklists']);
    expect(parseConfig([], { ESCAPE_TOOLSETS: 'patients' }).toolsets).toEqual(['patients']);
    // An empty ESCAPE_TOOLSETS is the MCP Bundle's setting left empty: the default toolsets, not none.
    expect(parseConfig([], { ESCAPE_TOOLSETS: '' }).toolsets).toEqual(['scheduling', 'patients', 'worklists']);
    expect(parseConfig(['--toolsets', 'all'], { ESCAPE_TOOLSETS: 'patients' }).toolsets).toHaveLength(5);
    expect(() => parseConfig(['--toolsets', 'scheduling,billing'], {})).toThrow(
      /--toolsets names toolsets among scheduling, patients, insurance, reports, worklists/,
    );
    expect(() => parseConfig(['--toolsets', ' , '], {})).toThrow(/at least one toolset/);
  });

  it('reads booleans from the environment', () => {
    expect(parseConfig([], { ESCAPE_READ_ONLY: 'true' }).readOnly).toBe(true);
    expect(parseConfig([], { ESCAPE_READ_ONLY: '0' }).readOnly).toBe(false);
  });

  it('--help documents every flag and environment variable', () => {
    const text = helpText();
    for (const spec of Object.values(OPTIONS)) {
      expect(text).toContain(spec.env);
      if ('flag' in spec) expect(text).toContain(`--${spec.flag}`);
    }
  });
});

describe('--auth off: loopback by IP literal or resolved address only', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.5.6.7', true],
    ['::1', true],
    ['[::1]', true],
    ['0:0:0:0:0:0:0:1', true],
    ['::ffff:127.0.0.1', true],
    ['127.attacker.example', false],
    ['127.0.0.1.nip.io', false],
    ['localhost', false],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.1', false],
    ['::ffff:10.0.0.1', false],
  ])('%s is a loopback address literal: %s', (host, expected) => {
    expect(isLoopbackAddress(host)).toBe(expected);
  });

  it('a name is allowed only when every address it resolves to is loopback', async () => {
    const resolvesTo = (addresses: string[]) => async () => addresses.map((address) => ({ address }));
    expect(await loopbackBindingProblem('127.attacker.example', resolvesTo(['203.0.113.7']))).toMatch(
      /127\.attacker\.example resolves to 203\.0\.113\.7, which is not a loopback address/,
    );
    expect(await loopbackBindingProblem('localhost', resolvesTo(['127.0.0.1', '::1']))).toBeUndefined();
    expect(await loopbackBindingProblem('mixed.example', resolvesTo(['127.0.0.1', '192.0.2.1']))).toMatch(
      /192\.0\.2\.1/,
    );
    const fails = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    expect(await loopbackBindingProblem('nowhere.example', fails)).toMatch(/cannot be resolved \(ENOTFOUND\)/);
    expect(await loopbackBindingProblem('127.0.0.1', fails)).toBeUndefined();
  });
});
