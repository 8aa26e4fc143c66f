/**
 * deploy/ stays usable without Docker on this machine: the compose file parses and has Redis, two
 * replicas on the shared store and a load balancer; every setting it passes is one the server
 * reads; HAProxy sticks 2025 sessions by Mcp-Session-Id; the image runs as a non-root user with
 * production dependencies only and a health check on /healthz.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { OPTIONS } from '../../src/config.js';
import { inCi } from '../helpers/redis.js';

const DEPLOY = resolve(import.meta.dirname, '..', '..', 'deploy');
const read = (name: string) => readFileSync(resolve(DEPLOY, name), 'utf8');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: unknown;
  healthcheck?: { test: string[] };
}

describe('deploy/compose.yaml', () => {
  const compose = parse(read('compose.yaml')) as { services: Record<string, Service> };
  const replicas = ['mcp-a', 'mcp-b'].map((name) => compose.services[name] as Service);

  it('runs Redis, two replicas of the image on the shared store, and a load balancer', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['lb', 'mcp-a', 'mcp-b', 'redis']);
    expect(compose.services.redis?.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
    for (const replica of replicas) {
      expect(replica.build).toEqual({ context: '..', dockerfile: 'deploy/Dockerfile' });
      expect(replica.environment?.ESCAPE_STATE).toBe('redis://redis:6379');
      expect(replica.environment?.ESCAPE_STATE_SECRET).toMatch(/^\$\{ESCAPE_STATE_SECRET:\?/);
    }
    expect(compose.services.lb?.volumes).toContain('./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro');
  });

  it('passes only settings the server reads', () => {
    const known = new Set(Object.values(OPTIONS).map((option) => option.env));
    for (const replica of replicas) {
      for (const name of Object.keys(replica.environment ?? {})) expect(known, name).toContain(name);
    }
  });
});

describe('deploy/haproxy.cfg', () => {
  const cfg = read('haproxy.cfg');
  it('sticks 2025 sessions to the replica that opened them and checks readiness', () => {
    expect(cfg).toMatch(/stick store-response res\.hdr\(mcp-session-id\)/);
    expect(cfg).toMatch(/stick on req\.hdr\(mcp-session-id\)/);
    expect(cfg).toMatch(/option httpchk GET \/readyz/);
    for (const name of ['mcp-a', 'mcp-b']) expect(cfg).toContain(`server ${name} ${name}:3333 check`);
  });

  const haproxy = spawnSync('haproxy', ['-v'], { stdio: 'ignore' }).status === 0;
  if (!haproxy) console.warn('\n*** haproxy is not installed: deploy/haproxy.cfg is not checked by haproxy -c here.\n');
  it.runIf(inCi)('has haproxy installed in CI (.ci/run installs it, so the check below runs there)', () => {
    expect(haproxy, 'haproxy is not installed: apt-get install -y haproxy').toBe(true);
  });
  it.runIf(haproxy)('is accepted by haproxy -c', () => {
    const check = spawnSync('haproxy', ['-c', '-f', resolve(DEPLOY, 'haproxy.cfg')], { encoding: 'utf8' });
    expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
  });
});

describe('deploy/Dockerfile', () => {
  const lines = read('Dockerfile')
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('#'));
  const finalStage = lines.slice(lines.findLastIndex((line) => line.startsWith('FROM ')));

  it('runs as a non-root user, with production dependencies only and a health check on /healthz', () => {
    const user = finalStage.findIndex((line) => line.startsWith('USER '));
    expect(finalStage[user]).toMatch(/^USER (?!root\b|0\b)\S+/);
    expect(user).toBeLessThan(finalStage.findIndex((line) => line.startsWith('ENTRYPOINT ')));
    expect(finalStage.join('\n')).toMatch(/npm ci --omit=dev/);
    expect(finalStage.join('\n')).toMatch(/HEALTHCHECK[\s\S]*\/healthz/);
    expect(finalStage.find((line) => line.startsWith('ENTRYPOINT '))).toBe(
      'ENTRYPOINT ["node", "dist/cli.js", "http"]',
    );
  });
});
