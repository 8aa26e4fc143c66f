/**
 * The bin entry as a person runs it (`dist/cli.js`; `npm run build` first): `npm start`'s
 * `http --demo` banner and its key, a graceful drain on SIGTERM, and stdio still gated for its
 * pinned practice. The demo sandbox lives inside the spawned process; its control surface and
 * credentials are reached through the sandbox URL the process logs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/index.js';
import { newClient, waitFor } from './http-harness.js';

const CLI = resolve(import.meta.dirname, '..', '..', 'dist', 'cli.js');

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

const running: Running[] = [];

function startCli(args: string[], env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const handle = { child, stdout: () => out, stderr: () => err, exited };
  running.push(handle);
  return handle;
}

afterEach(async () => {
  for (const handle of running.splice(0)) {
    if (handle.child.exitCode === null) handle.child.kill('SIGKILL');
    await handle.exited;
  }
});

async function sandboxOf(logText: () => string): Promise<{ url: string; serviceToken: string }> {
  const url = await waitFor(() => /"sandboxUrl":"([^"]+)"/.exec(logText())?.[1], 'the demo sandbox URL in the log');
  const credentials = (await (await fetch(`${url}/__sandbox/credentials`)).json()) as {
    oauth: { service: { token: string } };
  };
  return { url, serviceToken: credentials.oauth.service.token };
}

describe('--auth off', () => {
  it('refuses a host that only looks like loopback (127.attacker.example): exit 1, nothing served', async () => {
    const cli = startCli(['http', '--demo', '--auth', 'off', '--host', '127.attacker.example', '--port', '0']);
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toMatch(/--auth off is allowed only on a loopback address: 127\.attacker\.example/);
    expect(cli.stdout()).not.toContain('serving at');
  });
});

describe('a policy file keyed by practice name', () => {
  it('stops the server at start-up, naming the key and the id to use instead', async () => {
    const { writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const sandbox = await startSandbox({ port: 0 });
    try {
      const la = sandbox.fixtures.practices.la;
      const policy = join(tmpdir(), `policy-by-name-${process.pid}.json`);
      writeFileSync(policy, JSON.stringify({ practices: { [la.name]: { disabled: ['find_spot'] } } }));
      const cli = startCli(['http', '--port', '0', '--policy-file', policy], {
        ESCAPE_API_URL: sandbox.url,
        ESCAPE_API_TOKEN: sandbox.credentials.oauth.service.token,
      });
      expect(await cli.exited).toBe(1);
      expect(cli.stderr()).toContain(`"${la.name}" is a practice name: key practices by id ("${la.id}")`);
      expect(cli.stdout()).not.toContain('serving at');
    } finally {
      await sandbox.close();
    }
  });
});

describe('npm start (http --demo)', () => {
  it('prints a usable banner, serves with the printed key, and drains on SIGTERM', async () => {
    const cli = startCli(['http', '--demo', '--port', '0', '--sse-keepalive-seconds', '1']);
    const banner = await waitFor(
      () => (cli.stdout().includes('Try a tool with the MCP Inspector') ? cli.stdout() : undefined),
      'the banner',
    );
    const url = /serving at (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(banner)?.[1] as string;
    const key = /Bearer (edm_[A-Za-z0-9_-]+)/.exec(banner)?.[1] as string;
    expect(url).toBeTruthy();
    expect(key).toBeTruthy();
    expect(banner).toContain('DEMO DATA');
    expect(banner).toContain(
      `claude mcp add --transport http escape-dental ${url} --header "Authorization: Bearer ${key}"`,
    );
    const lines = banner.split('\n');
    const jsonAfter = (title: string) => JSON.parse(lines[lines.findIndex((l) => l.startsWith(title)) + 1] ?? '{}');
    expect(jsonAfter('VS Code').servers['escape-dental']).toEqual({
      type: 'http',
      url,
      headers: { Authorization: `Bearer ${key}` },
    });
    const desktop = jsonAfter('Claude Desktop').mcpServers['escape-dental'];
    expect(desktop.args).toContain(url);
    expect(desktop.env.AUTH_HEADER).toBe(`Bearer ${key}`);
    const inspector = lines[lines.findIndex((l) => l.startsWith('Try a tool')) + 1] ?? '';
    expect(inspector).toContain(`npx -y @modelcontextprotocol/inspector@2.12.0 --cli ${url} --transport http`);
    const practice = /--tool-arg 'practice=([^']+)'/.exec(inspector)?.[1] as string;
    expect(practice).toBeTruthy();

    // The printed key is what works; nothing else does.
    const unauthenticated = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(unauthenticated.status).toBe(401);
    const client = newClient('modern');
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${key}` } } }),
    );
    const quick = await client.callTool({ name: 'find_spot', arguments: { practice, duration_minutes: 60 } });
    expect(quick.isError).toBeFalsy();

    // Drain: a slow call in flight finishes, an open SSE stream is closed, the process exits 0.
    const sandbox = await sandboxOf(cli.stderr);
    await fetch(`${sandbox.url}/__sandbox/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rules: [{ path: 'find-spot', latencyMs: 1500 }] }),
    });
    const stream = await fetch(url.replace(/\/mcp$/, '/sse'), { headers: { authorization: `Bearer ${key}` } });
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    const slow = client.callTool({ name: 'find_spot', arguments: { practice, duration_minutes: 45 } });
    await waitFor(async () => {
      const metrics = await (await fetch(url.replace(/\/mcp$/, '/metrics'))).text();
      return /^escape_mcp_in_flight [1-9]/m.test(metrics) || undefined;
    }, 'the slow call to be in flight');
    cli.child.kill('SIGTERM');

    const result = await slow;
    expect(result.isError).toBeFalsy();
    let ended = false;
    while (!ended) ended = (await reader.read()).done;
    expect(await cli.exited).toBe(0);
    expect(cli.stderr()).toContain('draining');
    await client.close().catch(() => {});
  });

  it('refuses to start an authenticated HTTP server with no way to authenticate', async () => {
    const sandbox = await startSandbox({ port: 0 });
    try {
      const cli = startCli(['http', '--port', '0'], {
        ESCAPE_API_URL: sandbox.url,
        ESCAPE_API_TOKEN: sandbox.credentials.oauth.service.token,
      });
      expect(await cli.exited).toBe(1);
      expect(cli.stderr()).toContain('needs inbound authentication');
    } finally {
      await sandbox.close();
    }
  });

  it('prints the catalog in the REGISTRY shape with --print-catalog', async () => {
    const cli = startCli(['--print-catalog']);
    expect(await cli.exited).toBe(0);
    const rows = JSON.parse(cli.stdout()) as { name: string; pass_context: boolean }[];
    expect(rows.map((r) => r.name)).toContain('find_spot');
    expect(rows.every((r) => r.pass_context === true)).toBe(true);
  });
});

describe('--startup-timings', () => {
  it('prints one JSON line on stderr with when each start-up step finished, in order', async () => {
    const cli = startCli(['http', '--demo', '--auth', 'off', '--port', '0', '--startup-timings']);
    const line = await waitFor(() => /^\{"startupTimings":.*$/m.exec(cli.stderr())?.[0], 'the start-up timings line');
    const timings = (JSON.parse(line) as { startupTimings: Record<string, number> }).startupTimings;
    const steps = ['processStart', 'modulesLoaded', 'configParsed', 'runtimeStarted', 'listening'];
    expect(Object.keys(timings)).toEqual(steps);
    const at = steps.map((step) => timings[step] as number);
    expect(at.every((t) => Number.isFinite(t) && t > Date.UTC(2020, 0, 1))).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(cli.stdout()).toContain('serving at');
  });
});

describe('stdio', () => {
  it('keeps working, and an Escape gate row applies to its pinned practice', async () => {
    let stderr = '';
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, '--demo', '--practice', 'Sunset Smiles Dental'],
      env: { PATH: process.env.PATH ?? '', ESCAPE_GATE_POLL_SECONDS: '1' },
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const client = new Client({ name: 'stdio-gates', version: '1' });
    let changes = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      changes += 1;
    });
    await client.connect(transport);
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('find_spot');
      const sandbox = await sandboxOf(() => stderr);
      const fixtures = (await (await fetch(`${sandbox.url}/__sandbox/fixtures`)).json()) as {
        practices: { la: { id: string } };
      };
      const gate = await fetch(
        `${sandbox.url}/api/v1/admin/practice/${fixtures.practices.la.id}/mcp-gates/find_spot/`,
        {
          method: 'PUT',
          headers: { authorization: `Bearer ${sandbox.serviceToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ enabled: false }),
        },
      );
      expect(gate.status).toBeLessThan(300);
      // A list_changed can also come first from the start (the write tools appear once the
      // practice's gate rows are read): wait for a notification after which the list lacks
      // find_spot, listing again after each one.
      let listedAfter = 0;
      await waitFor(async () => {
        if (changes === listedAfter) return undefined;
        listedAfter = changes;
        return !(await client.listTools()).tools.some((t) => t.name === 'find_spot') || undefined;
      }, 'list_changed over stdio, then a list without find_spot, after the next gate poll');
    } finally {
      await client.close();
    }
  });
});
