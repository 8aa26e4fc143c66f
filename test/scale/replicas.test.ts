/**
 * Two server processes (the built dist/cli.js; `npm run build` first) on one sandbox and one
 * redis-server, as behind a load balancer: a confirmed write lands once whichever replica it
 * reaches, a patient is never double-booked through two replicas, a 2026-07-28 confirmation
 * started on one replica finishes on the other, and a replica killed mid-load loses no confirmed
 * write and duplicates none. Truth from raw sandbox reads and its request log.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { type Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { DateTime } from 'luxon';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/auth/inbound.js';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import type { HttpServing } from '../../src/transports/http.js';
import { newClient, rawGet, startTestSandbox, textOf } from '../helpers/harness.js';
import { inCi, REDIS_MISSING, type RunningRedis, redisServerInstalled, startRedis } from '../helpers/redis.js';
import {
  ACCEPTED,
  appointmentWrites,
  callWithAnswer,
  instant,
  type RawAppointment,
  type RawSlot,
  rawSlots,
} from '../integration/booking-helpers.js';
import { postInitialize, setGate, waitFor, writeTempJson } from '../integration/http-harness.js';

const CLI = resolve(import.meta.dirname, '..', '..', 'dist', 'cli.js');
const KEY = 'edm_scale_test_key_0123456789abcdefghijklmnop';
const CAPPED_KEY = 'edm_scale_test_capped_key_0123456789abcdefgh';
const SESSION_CAP = 3;
const NY_KEY = 'edm_scale_test_ny_only_key_0123456789abcdefg';
const SECRET = 'scale-test-shared-secret-0123456789abcdef';
const TOOL_TIMEOUT_MS = 6_000;

if (!redisServerInstalled) console.warn(`\n*** ${REDIS_MISSING}\n`);

describe.runIf(inCi)('CI', () => {
  it('has redis-server installed (the multi-replica tests must run there)', () => {
    expect(redisServerInstalled, REDIS_MISSING).toBe(true);
  });
});

interface Replica {
  child: ChildProcess;
  url: string;
  exited: Promise<void>;
}

async function startReplica(sandbox: RunningSandbox, redis: RunningRedis, keysFile: string): Promise<Replica> {
  const child = spawn(
    process.execPath,
    [
      CLI,
      'http',
      '--port',
      '0',
      '--api-keys-file',
      keysFile,
      '--gate-poll-seconds',
      '1',
      '--max-sessions-per-principal',
      String(SESSION_CAP),
      '--state',
      redis.url,
      // A call waiting on a write the killed replica held ends at this deadline (the hold itself
      // lapses with its lease, deadline + 30 s): shorter than production's 25 s to keep the test short.
      '--tool-timeout-ms',
      String(TOOL_TIMEOUT_MS),
    ],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        ESCAPE_API_URL: sandbox.url,
        ESCAPE_API_TOKEN: sandbox.credentials.oauth.service.token,
        ESCAPE_STATE_SECRET: SECRET,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  for (;;) {
    const url = /serving at (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(out)?.[1];
    if (url) return { child, url, exited };
    if (child.exitCode !== null) throw new Error(`a replica exited (${child.exitCode}) before serving: ${err}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

async function connect(replica: Replica, options: { elicitation?: boolean } = {}): Promise<Client> {
  const client = newClient('modern', options);
  await client.connect(
    new StreamableHTTPClientTransport(new URL(replica.url), {
      requestInit: { headers: { authorization: `Bearer ${KEY}` } },
    }),
  );
  return client;
}

describe.skipIf(!redisServerInstalled)('two replicas sharing one Redis', () => {
  let redis: RunningRedis;
  let sandbox: RunningSandbox;
  let ny: RunningSandbox['fixtures']['practices']['ny'];
  let a: Replica;
  let b: Replica;
  let onA: Client;
  let onB: Client;
  const clients: Client[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    sandbox = await startTestSandbox();
    ny = sandbox.fixtures.practices.ny;
    const keysFile = writeTempJson('scale-keys', {
      keys: [
        {
          id: 'scale-operator',
          sha256: sha256Hex(KEY),
          practices: 'all',
          scopes: ['scheduling:read', 'scheduling:write', 'patients:read', 'insurance:read', 'reports:read'],
          readOnly: false,
        },
        {
          id: 'scale-ny',
          sha256: sha256Hex(NY_KEY),
          practices: [ny.id],
          scopes: ['scheduling:read', 'patients:read'],
          readOnly: false,
        },
        {
          id: 'scale-capped',
          sha256: sha256Hex(CAPPED_KEY),
          practices: 'all',
          scopes: ['scheduling:read'],
          readOnly: false,
        },
      ],
    });
    [a, b] = await Promise.all([startReplica(sandbox, redis, keysFile), startReplica(sandbox, redis, keysFile)]);
    onA = await connect(a);
    onB = await connect(b);
    clients.push(onA, onB);
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    for (const replica of [a, b]) {
      if (replica && replica.child.exitCode === null) replica.child.kill('SIGKILL');
      await replica?.exited;
    }
    await sandbox?.close();
    await redis?.stop();
  });

  const P = () => `/api/v1/practice/${ny.id}`;
  const addDays = (date: string, days: number) =>
    DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate() as string;
  const localDay = (iso: string) => DateTime.fromISO(iso, { setZone: true }).setZone(ny.timezone).toISODate() as string;

  async function heldAt(patientId: string, slot: RawSlot): Promise<RawAppointment[]> {
    const day = localDay(slot.date_time);
    const body = await rawGet<{ results: RawAppointment[] }>(sandbox, `${P()}/scheduling/appointment/`, {
      from: day,
      to: day,
      page_size: '500',
    });
    return body.results.filter(
      (x) => x.patient === patientId && instant(x.date_time) === instant(slot.date_time) && x.status === 'scheduled',
    );
  }

  const bookingArgs = (patientId: string, slot: RawSlot) => ({
    practice: ny.name,
    patient_id: patientId,
    start: slot.date_time,
    provider: slot.provider,
    operatory: slot.operatory,
    duration_minutes: 30,
  });

  async function confirmationToken(client: Client, args: Record<string, unknown>): Promise<string> {
    const first = await client.callTool({ name: 'book_appointment', arguments: args });
    const token = (first.structuredContent as { confirmation_token?: string } | undefined)?.confirmation_token;
    expect(token, textOf(first)).toEqual(expect.any(String));
    return token as string;
  }

  const slotsFrom = (fromDay: number, provider: string, count: number) =>
    rawSlots(sandbox, ny, {
      duration_minutes: '30',
      start_date: addDays(ny.today, fromDay),
      end_date: addDays(ny.today, fromDay + 10),
      provider,
      max_results: String(count),
    });

  it('the same confirmed booking sent through both replicas at once makes one appointment', async () => {
    const [slot] = await slotsFrom(20, ny.providers.dentists[0] as string, 1);
    const patientId = ny.patients.frequentNoShow;
    const args = bookingArgs(patientId, slot as RawSlot);
    // Signed on A: B accepts it only because both hold the shared secret.
    const token = await confirmationToken(onA, args);
    const since = await sandbox.control.lastSeq();

    const confirmed = { ...args, confirm: true, confirmation_token: token };
    const results = await Promise.all([
      onA.callTool({ name: 'book_appointment', arguments: confirmed }),
      onB.callTool({ name: 'book_appointment', arguments: confirmed }),
    ]);

    const posts = (await appointmentWrites(sandbox, since)).filter((w) => w.method === 'POST');
    expect(posts).toHaveLength(1);
    const held = await heldAt(patientId, slot as RawSlot);
    expect(held).toHaveLength(1);
    const texts = results.map(textOf);
    // At least one answer names the appointment; the other names it too (shared result) or says
    // the confirmation was spent — never a second booking.
    expect(
      texts.some((t) => t.includes((held[0] as RawAppointment).id)),
      texts.join('\n---\n'),
    ).toBe(true);
    for (const text of texts) expect(text).toMatch(new RegExp(`${(held[0] as RawAppointment).id}|already used`));
  });

  it('two bookings of one patient at one time through different replicas: at most one lands', async () => {
    const [first, second] = await Promise.all([0, 1].map((i) => slotsFrom(30, ny.providers.dentists[i] as string, 50)));
    const pair = (first ?? [])
      .map((x) => ({ x, y: (second ?? []).find((y) => instant(y.date_time) === instant(x.date_time)) }))
      .find(({ x, y }) => y && y.operatory !== x.operatory && y.provider !== x.provider);
    expect(pair, 'no instant with both dentists free in two chairs').toBeDefined();
    const { x, y } = pair as { x: RawSlot; y: RawSlot };
    const patientId = ny.patients.sameLastNameAndDob[0];
    const argsX = bookingArgs(patientId, x as RawSlot);
    const argsY = bookingArgs(patientId, y as RawSlot);
    const [tokenX, tokenY] = await Promise.all([confirmationToken(onA, argsX), confirmationToken(onB, argsY)]);
    const since = await sandbox.control.lastSeq();

    // Slow bookings upstream: without locks shared by the replicas, both re-check the patient
    // before either booking lands, and both book (two replicas on process memory did).
    await sandbox.control.setFaults({ method: 'POST', path: '/scheduling/appointment/$', latencyMs: 600 });
    const results = await Promise.all([
      onA.callTool({ name: 'book_appointment', arguments: { ...argsX, confirm: true, confirmation_token: tokenX } }),
      onB.callTool({ name: 'book_appointment', arguments: { ...argsY, confirm: true, confirmation_token: tokenY } }),
    ]).finally(() => sandbox.control.clearFaults());

    const posts = (await appointmentWrites(sandbox, since)).filter((w) => w.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(await heldAt(patientId, x as RawSlot)).toHaveLength(1);
    const refused = results.filter((r) => r.isError).map(textOf);
    expect(refused, results.map(textOf).join('\n---\n')).toHaveLength(1);
    expect(refused[0]).toMatch(/already has .*overlaps.*Nothing was booked/s);
  });

  it('a 2026-07-28 confirmation asked on replica A is answered on replica B and books once', async () => {
    const askingA = await connect(a, { elicitation: true });
    const answeringB = await connect(b, { elicitation: true });
    clients.push(askingA, answeringB);
    const [slot] = await slotsFrom(40, ny.providers.dentists[1] as string, 1);
    const patientId = ny.patients.unicode[0] as string;
    const args = bookingArgs(patientId, slot as RawSlot);

    const asked = await callWithAnswer(askingA, 'book_appointment', args);
    expect(asked.resultType, JSON.stringify(asked)).toBe('input_required');
    expect(asked.requestState).toEqual(expect.any(String));
    const since = await sandbox.control.lastSeq();
    const done = await callWithAnswer(answeringB, 'book_appointment', args, {
      inputResponses: ACCEPTED,
      requestState: asked.requestState,
    });

    expect(done.isError, textOf(done)).toBeFalsy();
    expect(done.structuredContent?.status, textOf(done)).toBe('booked');
    expect((await appointmentWrites(sandbox, since)).filter((w) => w.method === 'POST')).toHaveLength(1);
    const held = await heldAt(patientId, slot as RawSlot);
    expect(held).toHaveLength(1);
    expect(textOf(done)).toContain((held[0] as RawAppointment).id);
  });

  it('a 2025 session reached through the other replica gets 404 "lives elsewhere", never its data', async () => {
    const auth = { authorization: `Bearer ${KEY}` };
    const opened = await postInitialize({ mcpUrl: a.url } as HttpServing, auth);
    expect(opened.status).toBe(200);
    expect(opened.sessionId).toEqual(expect.any(String));
    const send = (replica: Replica, sessionId: string) =>
      fetch(replica.url, {
        method: 'POST',
        headers: {
          ...auth,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-session-id': sessionId,
          'mcp-protocol-version': '2025-11-25',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }),
      });

    const elsewhere = await send(b, opened.sessionId as string);
    expect(elsewhere.status).toBe(404);
    const body = await elsewhere.text();
    expect(body).toContain('session lives elsewhere');
    expect(body).not.toContain('book_appointment');
    // An id no replica opened is simply not found.
    const unknown = await send(b, '00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).not.toContain('elsewhere');
    // On the replica that opened it, the session serves.
    const home = await send(a, opened.sessionId as string);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('book_appointment');
  });

  it('the per-credential session cap holds across replicas, and a session closed on one frees a slot on the other', async () => {
    const auth = { authorization: `Bearer ${CAPPED_KEY}` };
    const opened: { replica: Replica; status: number; sessionId: string | null; body: string }[] = [];
    for (let i = 0; i < SESSION_CAP + 2; i++) {
      const replica = i % 2 ? b : a;
      opened.push({ replica, ...(await postInitialize({ mcpUrl: replica.url } as HttpServing, auth)) });
    }
    expect(opened.map((o) => o.status)).toEqual([
      ...Array.from({ length: SESSION_CAP }, () => 200),
      ...Array.from({ length: 2 }, () => 429),
    ]);
    expect(opened.at(-1)?.body).toContain(`already holds ${SESSION_CAP} open sessions`);

    const first = opened[0] as (typeof opened)[number];
    const closed = await fetch(first.replica.url, {
      method: 'DELETE',
      headers: { ...auth, 'mcp-session-id': first.sessionId as string, 'mcp-protocol-version': '2025-11-25' },
    });
    expect(closed.status).toBe(200);
    // The slot comes back once A has closed the session (after its DELETE answer): a refused
    // initialize opens nothing, so asking again until granted is safe.
    const after = await waitFor(async () => {
      const attempt = await postInitialize({ mcpUrl: b.url } as HttpServing, auth);
      return attempt.status === 200 ? attempt : undefined;
    }, 'a session slot freed on A granted by B');
    expect(after.sessionId).toEqual(expect.any(String));
  });

  it('a gate change reaches tools/list_changed on 2025 sessions of both replicas', async () => {
    const watch = async (replica: Replica) => {
      const client = newClient('legacy');
      let changes = 0;
      client.setNotificationHandler('notifications/tools/list_changed', () => {
        changes += 1;
      });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(replica.url), {
          requestInit: { headers: { authorization: `Bearer ${NY_KEY}` } },
        }),
      );
      clients.push(client);
      return { client, changes: () => changes };
    };
    const [onAWatch, onBWatch] = await Promise.all([watch(a), watch(b)]);
    const listed = async (client: Client) => (await client.listTools()).tools.map((tool) => tool.name);
    expect(await listed(onAWatch.client)).toContain('find_spot');
    expect(await listed(onBWatch.client)).toContain('find_spot');

    try {
      expect([200, 201]).toContain(await setGate(sandbox, ny.id, 'find_spot', false));
      await waitFor(() => onAWatch.changes() > 0 && onBWatch.changes() > 0, 'list_changed on both replicas');
      for (const watched of [onAWatch, onBWatch]) expect(await listed(watched.client)).not.toContain('find_spot');
    } finally {
      await setGate(sandbox, ny.id, 'find_spot', true);
    }
    // Back on both (later tests read with find_spot).
    await waitFor(
      async () =>
        (await listed(onAWatch.client)).includes('find_spot') && (await listed(onBWatch.client)).includes('find_spot'),
      'find_spot listed again on both replicas',
    );
  });

  it('a replica killed mid-load loses no confirmed write and duplicates none', async () => {
    const patients = [ny.patients.sameLastNameAndDob[1], ...(ny.patients.unicode.slice(1) as string[])].filter(
      Boolean,
    ) as string[];
    // The calls through A and those through B share no patient, provider or chair: a write holds
    // the locks of all three (src/tools/framework/writes/lock.ts), and locks A holds when it is
    // killed are only freed when their lease ends, so B's own calls must not wait on them.
    const throughA = (await slotsFrom(50, ny.providers.dentists[0] as string, 40)).filter((_, i) => i % 8 === 0);
    const chairsOfA = new Set(throughA.slice(0, 2).map((slot) => slot.operatory));
    const throughB = (await slotsFrom(50, ny.providers.dentists[1] as string, 40))
      .filter((slot) => !chairsOfA.has(slot.operatory))
      .filter((_, i) => i % 8 === 0);
    const plans = patients.slice(0, 4).map((patientId, i) => ({
      patientId,
      // Even plans go through A, odd ones through B; each at its own time, far apart.
      slot: (i % 2 ? throughB : throughA)[Math.floor(i / 2)] as RawSlot,
    }));
    expect(plans).toHaveLength(4);
    expect(plans.every((p) => p.slot)).toBe(true);
    const confirmed = await Promise.all(
      plans.map(async (plan, i) => {
        const args = bookingArgs(plan.patientId, plan.slot);
        const token = await confirmationToken(i % 2 ? onB : onA, args);
        return { ...plan, args: { ...args, confirm: true, confirmation_token: token } };
      }),
    );
    const since = await sandbox.control.lastSeq();

    // Half go through A, which is killed while they run, holding the write locks of its first
    // booking (the hardest moment: the store cannot know whether that write reached Escape); then
    // every call is sent again through B, as a client that lost its connection would.
    const store = createClient({ url: redis.url });
    await store.connect();
    const aHolds = async () =>
      (await store.keys(`*lock:patient:${ny.id}:${(confirmed[0] as (typeof confirmed)[number]).patientId}`)).length > 0;
    await sandbox.control.setFaults({ method: 'POST', path: '/scheduling/appointment/$', latencyMs: 1_500 });
    const firstRound = Promise.allSettled(
      confirmed.map((plan, i) => (i % 2 ? onB : onA).callTool({ name: 'book_appointment', arguments: plan.args })),
    );
    try {
      await waitFor(async () => (await aHolds()) || undefined, "replica A holding its first booking's locks");
      a.child.kill('SIGKILL');
      await a.exited;
    } finally {
      await sandbox.control.clearFaults();
    }
    const first = await firstRound;
    // A's hold outlives the retry's deadline: the retry waits, then says it wrote nothing and why.
    expect(await aHolds()).toBe(true);
    await store.quit();
    const retried = await Promise.all(
      confirmed.map((plan) => onB.callTool({ name: 'book_appointment', arguments: plan.args })),
    );

    const retriedHeld = retried[0] as Awaited<ReturnType<Client['callTool']>>;
    expect(retriedHeld.isError, textOf(retriedHeld)).toBe(true);
    expect(textOf(retriedHeld)).toMatch(/still under way/);
    expect(textOf(retriedHeld)).toMatch(/wrote nothing/);
    expect(textOf(retriedHeld)).not.toMatch(/API may be slow/);

    const posts = (await appointmentWrites(sandbox, since)).filter((w) => w.method === 'POST');
    // The calls through B, never killed, land: the checks below are over written appointments.
    expect(posts.length).toBeGreaterThan(0);
    expect(posts.length).toBeLessThanOrEqual(confirmed.length);
    for (const [i, plan] of confirmed.entries()) {
      const held = await heldAt(plan.patientId, plan.slot);
      // Never two; and a call that answered "booked" (either round) has its appointment.
      expect(held.length, `plan ${i}`).toBeLessThanOrEqual(1);
      const answers = [first[i], { status: 'fulfilled' as const, value: retried[i] }]
        .filter((r) => r?.status === 'fulfilled')
        .map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<Client['callTool']>>>).value);
      const saidBooked = answers.some(
        (r) => !r.isError && (r.structuredContent as { status?: string } | undefined)?.status === 'booked',
      );
      if (saidBooked) expect(held, `plan ${i}: answered booked`).toHaveLength(1);
      if (held.length === 1) {
        for (const r of answers.filter(
          (r) => (r.structuredContent as { status?: string } | undefined)?.status === 'booked',
        )) {
          expect(textOf(r)).toContain((held[0] as RawAppointment).id);
        }
      }
    }
  });
  // Last: it stops Redis.
  it('with Redis down, a confirmed write is refused in plain words and reads go on', async () => {
    const [slot] = await slotsFrom(60, ny.providers.dentists[1] as string, 1);
    const patientId = ny.patients.frequentNoShow;
    const args = bookingArgs(patientId, slot as RawSlot);
    const token = await confirmationToken(onB, args);
    await redis.stop();
    const since = await sandbox.control.lastSeq();

    const write = await onB.callTool({
      name: 'book_appointment',
      arguments: { ...args, confirm: true, confirmation_token: token },
    });
    expect(write.isError, textOf(write)).toBe(true);
    expect(textOf(write)).toMatch(/shared state store \(Redis\) cannot be reached, so nothing was written/);
    expect((await appointmentWrites(sandbox, since)).filter((w) => w.method === 'POST')).toHaveLength(0);

    const read = await onB.callTool({
      name: 'find_spot',
      arguments: { practice: ny.name, duration_minutes: 30, max_results: 1 },
    });
    expect(read.isError, textOf(read)).toBeFalsy();
  });
});
