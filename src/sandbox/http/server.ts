/**
 * The node:http front of the sandbox: body collection, fault injection, the request log and
 * counters, and the `/__sandbox/` control surface (ASSUMPTIONS §11).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { errorPage, type FaultDecision, FaultInjector } from '../faults.js';
import type { SandboxStore } from '../store.js';
import type { RawRequest, SandboxRouter } from './router.js';
import type { Quirks, SandboxResponse } from './types.js';

export interface RequestLogEntry {
  seq: number;
  method: string;
  path: string;
  query: string;
  status: number;
  durationMs: number;
  token_kind: 'jwt' | 'oauth' | 'none' | 'invalid';
  route: string | null;
  fault?: string;
  error?: string;
}

export interface ControlExtras {
  credentials: () => unknown;
}

const QUIRK_VALUES: { [K in keyof Quirks]: readonly Quirks[K][] } = {
  idFilters: ['uuid', 'int-strict', 'ignore-invalid'],
  appointmentEnvelope: ['flat', 'nested'],
  slotShape: ['default', 'array', 'per-chair', 'by-day', 'by-date', 'unknown'],
  datetimes: ['local-offset', 'utc'],
  templateTimes: ['plain', 'z-suffix'],
  findSpotLimits: ['reject', 'clamp'],
  inactiveReads: ['forbid', 'allow'],
  scopeChecks: ['inferred', 'spec-only'],
  claimsSummaryShape: ['by-status', 'list', 'status-list', 'status-keys', 'array', 'unknown'],
  timelineShape: ['envelope', 'flat', 'object', 'unknown'],
  placeholders: ['none', 'money', 'dates', 'labels', 'timezone', 'all', 'some-rows'],
  pagination: ['drf', 'page-ignored', 'next-loop'],
  nextLinks: ['request-host', 'proxy', 'foreign'],
  listCount: ['exact', 'inflated'],
  dateParams: ['applied', 'ignored'],
  listFilters: ['applied', 'ignored'],
  writeAnswers: ['faithful', 'other-appointment', 'other-status'],
  operatoryRoster: ['complete', 'web-sched', 'empty'],
  accessibleList: ['active-only', 'with-disabled', 'absent'],
  practiceZones: ['iana', 'one-placeholder'],
  plannedAppointmentDates: ['planned-on', 'null'],
  agingJobs: ['steps', 'instant', 'stuck', 'failed'],
  plantedText: ['off', 'on'],
};

/** Validates a partial quirk object; returns an error map or the typed value. */
export function parseQuirks(
  input: unknown,
): { ok: true; value: Partial<Quirks> } | { ok: false; errors: Record<string, string[]> } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: { non_field_errors: ['Expected an object of quirk switches.'] } };
  }
  const errors: Record<string, string[]> = {};
  const value: Record<string, string> = {};
  for (const [key, v] of Object.entries(input)) {
    const allowed = (QUIRK_VALUES as Record<string, readonly string[]>)[key];
    if (!allowed) errors[key] = ['Unknown quirk.'];
    else if (typeof v !== 'string' || !allowed.includes(v)) errors[key] = [`One of: ${allowed.join(', ')}.`];
    else value[key] = v;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, value: value as Partial<Quirks> };
}

export class SandboxHttpServer {
  readonly server: Server;
  readonly faults: FaultInjector;
  private log: RequestLogEntry[] = [];
  private seq = 0;
  private routeCounts = new Map<string, number>();
  private statusCounts = new Map<string, number>();
  private total = 0;
  private readonly sockets = new Set<import('node:net').Socket>();

  constructor(
    private readonly store: SandboxStore,
    private readonly router: SandboxRouter,
    private readonly extras: ControlExtras,
  ) {
    this.faults = new FaultInjector(store.seed);
    this.server = createServer((req, res) => {
      this.onRequest(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ detail: 'A server error occurred.' }));
        }
        void err;
      });
    });
    this.server.keepAliveTimeout = 5_000;
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  listen(port: number): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        const address = this.server.address() as AddressInfo;
        resolve(`http://127.0.0.1:${address.port}`);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      for (const socket of this.sockets) socket.destroy();
      this.server.close(() => resolve());
    });
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const host = req.headers.host ?? `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    const baseUrl = `http://${host}`;
    const url = new URL(req.url ?? '/', baseUrl);
    const bodyText = await readBody(req);
    if (url.pathname.startsWith('/__sandbox/')) {
      const response = this.control(req.method ?? 'GET', url, bodyText);
      send(res, response, null);
      return;
    }

    const method = (req.method ?? 'GET').toUpperCase();
    const decision = this.faults.decide(method, url.pathname);
    if (decision.delayMs > 0) await sleep(decision.delayMs);
    const entry: RequestLogEntry = {
      seq: ++this.seq,
      method,
      path: url.pathname,
      query: url.search.startsWith('?') ? url.search.slice(1) : url.search,
      status: 0,
      durationMs: 0,
      token_kind: req.headers.authorization ? 'invalid' : 'none',
      route: null,
    };
    const finish = () => {
      entry.durationMs = Math.round((performance.now() - started) * 100) / 100;
      this.record(entry);
    };

    const action = decision.action;
    if (action.kind === 'reset') {
      entry.fault = 'reset';
      finish();
      req.socket.destroy();
      return;
    }
    if (action.kind === 'throttle') {
      entry.fault = 'throttle';
      entry.status = 429;
      finish();
      send(
        res,
        {
          status: 429,
          body: { detail: `Request was throttled. Expected available in ${action.retryAfterSeconds} seconds.` },
          headers: { 'Retry-After': String(action.retryAfterSeconds) },
        },
        decision,
      );
      return;
    }
    if (action.kind === 'error') {
      entry.fault = `error_${action.status}`;
      entry.status = action.status;
      finish();
      res.writeHead(action.status, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(errorPage(action.status));
      return;
    }

    const raw: RawRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers as Record<string, string | undefined>,
      bodyText,
      baseUrl,
    };
    const result = await this.router.handle(raw);
    entry.status = result.response.status;
    entry.route = result.routeKey;
    entry.token_kind = result.tokenKind;
    if (result.error) entry.error = result.error.split('\n').slice(0, 3).join(' | ');

    if (action.kind === 'truncate') {
      entry.fault = 'truncate';
      const text = serialise(result.response.body);
      const bytes = Buffer.from(text ?? '', 'utf8');
      finish();
      res.writeHead(result.response.status, {
        ...result.response.headers,
        'Content-Type': 'application/json',
        'Content-Length': String(bytes.length),
      });
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
      // Let the partial body reach the client before the connection dies mid-transfer.
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    if (action.kind === 'malformed') {
      entry.fault = 'malformed';
      finish();
      const text = serialise(result.response.body) ?? '{}';
      const broken = `${text.slice(0, Math.max(1, Math.floor(text.length * 0.6)))}<!-- upstream error -->`;
      res.writeHead(result.response.status, {
        ...result.response.headers,
        'Content-Type': 'application/json',
        'Content-Length': String(Buffer.byteLength(broken)),
      });
      res.end(broken);
      return;
    }
    if (decision.slowBody) entry.fault = 'slow_body';
    finish();
    send(res, result.response, decision);
  }

  private record(entry: RequestLogEntry): void {
    this.log.push(entry);
    if (this.log.length > 50_000) this.log.splice(0, this.log.length - 50_000);
    this.total += 1;
    const key = entry.route ?? `${entry.method} (unmatched)`;
    this.routeCounts.set(key, (this.routeCounts.get(key) ?? 0) + 1);
    this.statusCounts.set(String(entry.status), (this.statusCounts.get(String(entry.status)) ?? 0) + 1);
  }

  private control(method: string, url: URL, bodyText: string): SandboxResponse {
    const path = url.pathname;
    let body: unknown;
    if (bodyText.trim() !== '') {
      try {
        body = JSON.parse(bodyText);
      } catch {
        return { status: 400, body: { detail: 'Body must be JSON.' } };
      }
    }
    const store = this.store;
    switch (`${method} ${path}`) {
      case 'GET /__sandbox/requests': {
        const since = Number(url.searchParams.get('since') ?? '0') || 0;
        return { status: 200, body: { last_seq: this.seq, requests: this.log.filter((e) => e.seq > since) } };
      }
      case 'DELETE /__sandbox/requests':
        this.log = [];
        this.routeCounts = new Map();
        this.statusCounts = new Map();
        this.total = 0;
        store.counters.clear();
        return { status: 200, body: { last_seq: this.seq } };
      case 'GET /__sandbox/counters':
        return {
          status: 200,
          body: {
            total: this.total,
            last_seq: this.seq,
            by_route: Object.fromEntries([...this.routeCounts].sort()),
            by_status: Object.fromEntries([...this.statusCounts].sort()),
            events: Object.fromEntries([...store.counters].sort()),
            faults: Object.fromEntries(this.faults.injected),
          },
        };
      case 'GET /__sandbox/faults':
        return { status: 200, body: this.faults.describe() };
      case 'PUT /__sandbox/faults':
      case 'POST /__sandbox/faults':
        try {
          this.faults.set(body as never);
        } catch (err) {
          return { status: 400, body: { detail: err instanceof z.ZodError ? z.prettifyError(err) : String(err) } };
        }
        return { status: 200, body: this.faults.describe() };
      case 'DELETE /__sandbox/faults':
        this.faults.set(null);
        return { status: 200, body: this.faults.describe() };
      case 'GET /__sandbox/quirks':
        return { status: 200, body: store.quirks };
      case 'PUT /__sandbox/quirks':
      case 'PATCH /__sandbox/quirks':
      case 'POST /__sandbox/quirks': {
        const parsed = parseQuirks(body ?? {});
        if (!parsed.ok) return { status: 400, body: parsed.errors };
        store.quirks = { ...store.quirks, ...parsed.value };
        return { status: 200, body: store.quirks };
      }
      case 'GET /__sandbox/clock':
        return { status: 200, body: clockBody(store) };
      case 'POST /__sandbox/clock':
      case 'PUT /__sandbox/clock': {
        const b = (body ?? {}) as Record<string, unknown>;
        if (b.unpin === true) store.clock.unpin();
        else if (typeof b.now === 'number') store.clock.set(b.now);
        else if (typeof b.now === 'string') {
          const ms = Date.parse(b.now);
          if (Number.isNaN(ms)) return { status: 400, body: { now: ['Not an ISO 8601 instant.'] } };
          store.clock.set(ms);
        } else if (typeof b.advance_ms === 'number' || typeof b.advanceMs === 'number') {
          store.clock.advance(Number(b.advance_ms ?? b.advanceMs));
        } else if (typeof b.advance_seconds === 'number') store.clock.advance(b.advance_seconds * 1000);
        else return { status: 400, body: { detail: 'Send {"now": ISO|ms}, {"advance_ms": n} or {"unpin": true}.' } };
        return { status: 200, body: clockBody(store) };
      }
      case 'GET /__sandbox/fixtures':
        return { status: 200, body: store.fixtures };
      case 'GET /__sandbox/credentials':
        return { status: 200, body: this.extras.credentials() };
      case 'GET /__sandbox/rate-limit':
        return { status: 200, body: { per_minute: this.router.rateLimitPerMinute } };
      case 'PUT /__sandbox/rate-limit': {
        const b = (body ?? {}) as Record<string, unknown>;
        const v = b.per_minute;
        if (v !== null && (typeof v !== 'number' || v < 0)) {
          return { status: 400, body: { per_minute: ['A non-negative number or null.'] } };
        }
        this.router.rateLimitPerMinute = v === null || v === 0 ? null : v;
        return { status: 200, body: { per_minute: this.router.rateLimitPerMinute } };
      }
      case 'GET /__sandbox/routes':
        return { status: 200, body: this.router.list() };
      default:
        return { status: 404, body: { detail: 'Unknown control endpoint.' } };
    }
  }
}

function clockBody(store: SandboxStore) {
  const now = store.nowMs();
  return { now_ms: now, now: new Date(now).toISOString(), pinned: store.clock.pinned };
}

function serialise(body: unknown): string | undefined {
  if (body === undefined) return undefined;
  if (typeof body === 'string') return body;
  return JSON.stringify(body);
}

function send(res: ServerResponse, response: SandboxResponse, decision: FaultDecision | null): void {
  const text = serialise(response.body);
  const headers: Record<string, string> = { ...response.headers };
  if (text !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['Content-Type'] = 'application/json';
  }
  headers.Vary = 'Accept, Authorization';
  const bytes = text === undefined ? undefined : Buffer.from(text, 'utf8');
  headers['Content-Length'] = String(bytes?.length ?? 0);
  res.writeHead(response.status, headers);
  const slow = decision?.slowBody;
  if (!bytes || !slow) {
    res.end(bytes);
    return;
  }
  let offset = 0;
  const writeChunk = () => {
    if (res.destroyed) return;
    const chunk = bytes.subarray(offset, offset + slow.chunkBytes);
    offset += chunk.length;
    if (offset >= bytes.length) res.end(chunk);
    else {
      res.write(chunk);
      setTimeout(writeChunk, slow.chunkDelayMs);
    }
  };
  writeChunk();
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
