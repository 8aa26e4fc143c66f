/**
 * Start-up that survives (issue 14 item 5), through the built server (dist/cli.js; `npm run build`
 * first) and a real MCP client, against the sandbox over HTTP:
 *   - practices come from both sources (the accessible list and the account memberships), so a
 *     disabled practice is named as disabled, under every reading of the accessible list;
 *   - a practice with an unusable time zone is refused with the reason and the others work,
 *     whichever source listed it;
 *   - an outage at launch (500s, 429s) does not stop the server: calls say Escape Dental is
 *     unreachable, /readyz says not ready and why, and once Escape answers the tools work and
 *     connected clients are told the list changed.
 * Expectations come from the sandbox's own fixtures and raw answers, not from the server's code.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { connectStdio, type Era, newClient, rawGet, startTestSandbox, textOf } from '../helpers/harness.js';

const CLI = resolve(import.meta.dirname, '..', '..', 'dist', 'cli.js');

let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startTestSandbox();
});

afterAll(async () => {
  await sandbox?.close();
});

afterEach(async () => {
  await sandbox.control.clearFaults();
  await sandbox.control.setQuirks({ accessibleList: 'active-only', practiceZones: 'iana' });
});

const practiceArgument = (tool: { inputSchema: { properties?: Record<string, unknown>; required?: string[] } }) =>
  tool.inputSchema.properties?.practice as { description?: string } | undefined;

/** find_spot answers for the practice (not an error). */
async function expectServed(client: ReturnType<typeof newClient>, practice: string): Promise<void> {
  const served = await client.callTool({
    name: 'find_spot',
    arguments: { practice, duration_minutes: 30, max_results: 1 },
  });
  expect(served.isError, textOf(served)).toBeFalsy();
}

/** Resolves at the next notifications/tools/list_changed the client receives. */
function nextListChanged(client: ReturnType<typeof newClient>): Promise<void> {
  return new Promise((done) => client.setNotificationHandler('notifications/tools/list_changed', () => done()));
}

describe('a disabled practice is named as disabled, whichever source lists the practices', () => {
  it.each([
    // L9834 "Returns active practices": only the memberships reveal the disabled one.
    ['active-only'],
    // The other reading: the list carries it with is_active=false.
    ['with-disabled'],
    // The invented path is not served at all: the memberships are the only source.
    ['absent'],
  ] as const)('accessible list %s', async (accessibleList) => {
    await sandbox.control.setQuirks({ accessibleList });
    const { la, ny, chicago } = sandbox.fixtures.practices;
    expect(chicago.isActive).toBe(false);
    const connection = await connectStdio({ sandbox, era: 'modern' });
    try {
      const { tools } = await connection.client.listTools();
      const findSpot = tools.find((t) => t.name === 'find_spot');
      expect(findSpot).toBeDefined();
      const described = practiceArgument(findSpot as NonNullable<typeof findSpot>)?.description ?? '';
      expect(described).toContain(la.name);
      expect(described).toContain(ny.name);

      for (const reference of [chicago.name, chicago.id, 'Lakeshore']) {
        await sandbox.control.clearRequests();
        const refused = await connection.client.callTool({
          name: 'find_spot',
          arguments: { practice: reference, duration_minutes: 30 },
        });
        expect(refused.isError, reference).toBe(true);
        expect(textOf(refused)).toContain(`${chicago.name} is disabled in Escape Dental`);
        expect(textOf(refused)).not.toMatch(/No practice called/);
        // Refused before any request for it.
        expect(await sandbox.control.requests()).toEqual([]);
      }

      await expectServed(connection.client, la.name);
    } finally {
      await connection.close();
    }
  });
});

describe('a practice with an unusable time zone is unavailable, with the reason; the others work', () => {
  it.each([['active-only'], ['absent']] as const)('accessible list %s', async (accessibleList) => {
    await sandbox.control.setQuirks({ accessibleList, practiceZones: 'one-placeholder' });
    const { la, ny } = sandbox.fixtures.practices;
    // What Escape sends for New York under this switch, read independently.
    const raw = await rawGet<{ timezone: string }>(sandbox, `/api/v1/practice/${ny.id}/`);
    expect(raw.timezone).toBe('string');

    const connection = await connectStdio({ sandbox, era: 'legacy' });
    try {
      const { tools } = await connection.client.listTools();
      const described = practiceArgument(tools[0] as (typeof tools)[number])?.description ?? '';
      expect(described).toMatch(new RegExp(`by name or id: "${la.name}"\\.`));
      expect(described).toContain(`Not usable now (a call says why): `);
      expect(described).toContain(ny.name);

      await sandbox.control.clearRequests();
      const refused = await connection.client.callTool({
        name: 'claims_summary',
        arguments: { practice: ny.name },
      });
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toContain(
        `${ny.name} cannot be used: Escape Dental has no usable time zone for it ("string" is not an IANA zone name`,
      );
      expect(await sandbox.control.requests()).toEqual([]);

      const served = await connection.client.callTool({ name: 'claims_summary', arguments: { practice: la.name } });
      expect(served.isError, textOf(served)).toBeFalsy();
    } finally {
      await connection.close();
    }
  });
});

describe('an outage at launch does not stop the server (stdio)', () => {
  it.each([
    ['500s', { path: 'practice/accessible|account/me', errorRate: 1, errorStatuses: [500 as const] }],
    ['429s', { path: 'practice/accessible|account/me', rate429: 1, retryAfterSeconds: 1 }],
  ])('%s: unreachable, then it recovers by itself and tells the client', async (_label, fault) => {
    await sandbox.control.setFaults(fault);
    const { la, ny } = sandbox.fixtures.practices;
    const connection = await connectStdio({ sandbox, era: 'legacy' });
    const changed = nextListChanged(connection.client);
    try {
      // Before the practice list is known: the read tools, each with an optional practice argument.
      const before = await connection.client.listTools();
      const names = before.tools.map((t) => t.name);
      expect(names).toContain('find_spot');
      expect(names).not.toContain('book_appointment');
      for (const tool of before.tools) {
        expect(practiceArgument(tool)).toBeDefined();
        expect(tool.inputSchema.required ?? []).not.toContain('practice');
      }
      const unreachable = await connection.client.callTool({
        name: 'find_spot',
        arguments: { practice: la.name, duration_minutes: 30 },
      });
      expect(unreachable.isError).toBe(true);
      expect(textOf(unreachable)).toMatch(/^Escape Dental is unreachable; retrying\./);

      await sandbox.control.clearFaults();
      await changed;
      const after = await connection.client.listTools();
      const findSpot = after.tools.find((t) => t.name === 'find_spot');
      expect(findSpot?.inputSchema.required).toContain('practice');
      expect(practiceArgument(findSpot as NonNullable<typeof findSpot>)?.description).toContain(ny.name);
      await expectServed(connection.client, la.name);
    } finally {
      await connection.close();
    }
  });
});

interface HttpCli {
  child: ChildProcess;
  stdout: () => string;
  exited: Promise<number | null>;
}

function startHttpCli(): HttpCli {
  const child = spawn(process.execPath, [CLI, 'http', '--port', '0', '--auth', 'off'], {
    env: {
      PATH: process.env.PATH ?? '',
      ESCAPE_API_URL: sandbox.url,
      ESCAPE_API_TOKEN: sandbox.credentials.oauth.service.token,
      ESCAPE_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, stdout: () => out, exited };
}

async function bannerUrl(cli: HttpCli): Promise<string> {
  for (;;) {
    const url = /serving at (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(cli.stdout())?.[1];
    if (url && cli.stdout().includes('Try a tool')) return url;
    if (cli.child.exitCode !== null) throw new Error(`the server exited (${cli.child.exitCode}) before serving`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

describe('an outage at launch does not stop the server (HTTP)', () => {
  it('readyz says not ready and why; calls say unreachable in both eras; then it recovers and sessions are told', async () => {
    await sandbox.control.setFaults({ path: 'practice/accessible|account/me', errorRate: 1, errorStatuses: [503] });
    const { la } = sandbox.fixtures.practices;
    const cli = startHttpCli();
    const clients: ReturnType<typeof newClient>[] = [];
    try {
      const url = await bannerUrl(cli);
      expect(cli.stdout()).toContain('Practices: not read yet');
      const readyz = url.replace(/\/mcp$/, '/readyz');
      const notReady = await fetch(readyz);
      expect(notReady.status).toBe(503);
      const body = (await notReady.json()) as { status: string; reason?: string; practices: { ready: boolean } };
      expect(body.status).toBe('not_ready');
      expect(body.practices.ready).toBe(false);
      expect(body.reason).toMatch(/^Escape Dental is unreachable; retrying\./);

      const sessions: Record<Era, ReturnType<typeof newClient>> = {
        modern: newClient('modern'),
        legacy: newClient('legacy'),
      };
      for (const era of ['modern', 'legacy'] as Era[]) {
        const client = sessions[era];
        clients.push(client);
        await client.connect(new StreamableHTTPClientTransport(new URL(url)));
        const result = await client.callTool({
          name: 'find_spot',
          arguments: { practice: la.name, duration_minutes: 30 },
        });
        expect(result.isError, era).toBe(true);
        expect(textOf(result)).toMatch(/^Escape Dental is unreachable; retrying\./);
      }
      // The 2025 session and a 2026 listen stream opened before the practice list was read are
      // told when their tools change.
      const changed = Promise.all([nextListChanged(sessions.legacy), nextListChanged(sessions.modern)]);
      await sessions.modern.listen({ toolsListChanged: true });

      await sandbox.control.clearFaults();
      await changed;
      for (const era of ['modern', 'legacy'] as Era[]) {
        const listed = await sessions[era].listTools();
        expect(listed.tools.find((t) => t.name === 'find_spot')?.inputSchema.required, era).toContain('practice');
      }
      for (const era of ['modern', 'legacy'] as Era[]) await expectServed(sessions[era], la.name);
      let ready: Response;
      do ready = await fetch(readyz);
      while (ready.status !== 200 && (await new Promise((done) => setTimeout(done, 50, true))));
      expect(((await ready.json()) as { practices: { ready: boolean } }).practices.ready).toBe(true);
    } finally {
      for (const client of clients) await client.close().catch(() => {});
      cli.child.kill('SIGTERM');
      await cli.exited;
    }
  });
});
