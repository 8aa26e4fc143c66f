/**
 * The sandbox router: path matching (static segments beat parameters), Django's APPEND_SLASH,
 * authentication, OAuth scopes, staff checks, practice tenancy (404) and inactive practices (403),
 * DRF throttling, JSON parsing and error mapping. Route modules only see `Router`.
 */

import type { SandboxStore } from '../store.js';
import { authenticate } from './auth.js';
import {
  badRequest,
  forbidden,
  HttpError,
  inactivePractice,
  insufficientScope,
  methodNotAllowed,
  notFound,
  throttled,
} from './errors.js';
import { isUuid } from './helpers.js';
import { withPlaceholders } from './placeholders.js';
import { withPlantedText } from './planted.js';
import type { Credential, Handler, RouteOptions, Router, SandboxRequest, SandboxResponse } from './types.js';

interface Route {
  method: string;
  pattern: string;
  segments: (string | { param: string })[];
  options: RouteOptions;
  handler: Handler;
}

export interface RawRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  bodyText: string;
  baseUrl: string;
}

export interface RouterResult {
  response: SandboxResponse;
  /** `GET /api/v1/practice/{practice_uid}/` — the matched route, for counters. */
  routeKey: string | null;
  tokenKind: 'jwt' | 'oauth' | 'none' | 'invalid';
  error?: string;
}

/** Parameters that are not UUIDs; every other path parameter must be one (Django's `<uuid:…>`). */
const NON_UUID_PARAMS = new Set(['slug', 'tool_key', 'client_id', 'as_of_date']);

export class SandboxRouter implements Router {
  private readonly routes: Route[] = [];
  private readonly throttleHistory = new Map<string, number[]>();
  rateLimitPerMinute: number | null = null;

  constructor(private readonly store: SandboxStore) {}

  get(path: string, options: RouteOptions, handler: Handler): void {
    this.add('GET', path, options, handler);
  }
  post(path: string, options: RouteOptions, handler: Handler): void {
    this.add('POST', path, options, handler);
  }
  put(path: string, options: RouteOptions, handler: Handler): void {
    this.add('PUT', path, options, handler);
  }
  patch(path: string, options: RouteOptions, handler: Handler): void {
    this.add('PATCH', path, options, handler);
  }
  delete(path: string, options: RouteOptions, handler: Handler): void {
    this.add('DELETE', path, options, handler);
  }

  private add(method: string, pattern: string, options: RouteOptions, handler: Handler): void {
    if (!pattern.startsWith('/') || !pattern.endsWith('/'))
      throw new Error(`Route must start and end with /: ${pattern}`);
    const segments = pattern
      .slice(1, -1)
      .split('/')
      .map((s) => (s.startsWith('{') && s.endsWith('}') ? { param: s.slice(1, -1) } : s));
    if (this.routes.some((r) => r.method === method && r.pattern === pattern)) {
      throw new Error(`Duplicate route ${method} ${pattern}`);
    }
    this.routes.push({ method, pattern, segments, options, handler });
  }

  /** Routes whose pattern matches the path, most specific first, with their parameters. */
  private match(path: string): { route: Route; params: Record<string, string> }[] {
    if (!path.endsWith('/')) return [];
    const parts = path.slice(1, -1).split('/');
    const found: { route: Route; params: Record<string, string>; score: string }[] = [];
    for (const route of this.routes) {
      if (route.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let score = '';
      let ok = true;
      for (let i = 0; i < parts.length; i++) {
        const seg = route.segments[i] as Route['segments'][number];
        const part = parts[i] as string;
        if (typeof seg === 'string') {
          if (seg !== part) {
            ok = false;
            break;
          }
          score += '0';
        } else {
          let value: string;
          try {
            value = decodeURIComponent(part);
          } catch {
            ok = false;
            break;
          }
          if (value === '' || (!NON_UUID_PARAMS.has(seg.param) && !isUuid(value))) {
            ok = false;
            break;
          }
          params[seg.param] = NON_UUID_PARAMS.has(seg.param) ? value : value.toLowerCase();
          score += '1';
        }
      }
      if (ok) found.push({ route, params, score });
    }
    found.sort((a, b) => (a.score < b.score ? -1 : a.score > b.score ? 1 : 0));
    // Only the most specific pattern counts (Django resolves the first URL pattern that matches).
    const best = found[0]?.score;
    return found.filter((f) => f.score === best);
  }

  /** Lists `METHOD pattern` for every registered route (used by tests and the CLI). */
  list(): string[] {
    return this.routes.map((r) => `${r.method} ${r.pattern}`);
  }

  async handle(raw: RawRequest): Promise<RouterResult> {
    const result: RouterResult = { response: { status: 500 }, routeKey: null, tokenKind: 'none' };
    try {
      result.response = await this.dispatch(raw, result);
    } catch (err) {
      if (err instanceof HttpError) result.response = err.toResponse();
      else {
        result.response = { status: 500, body: { detail: 'A server error occurred.' } };
        result.error = err instanceof Error ? (err.stack ?? err.message) : String(err);
      }
    }
    if (this.store.quirks.plantedText === 'on') result.response = withPlantedText(raw.path, result.response);
    return result;
  }

  private async dispatch(raw: RawRequest, result: RouterResult): Promise<SandboxResponse> {
    const method = raw.method === 'HEAD' ? 'GET' : raw.method;
    let candidates = this.match(raw.path);
    if (candidates.length === 0) {
      // Django APPEND_SLASH: only GET-like requests are redirected; a POST without the slash is a 404.
      if (!raw.path.endsWith('/') && this.match(`${raw.path}/`).length > 0 && method === 'GET') {
        const qs = raw.query.toString();
        return { status: 301, headers: { Location: `${raw.baseUrl}${raw.path}/${qs ? `?${qs}` : ''}` } };
      }
      throw notFound();
    }
    const matched = candidates.find((c) => c.route.method === method);
    if (!matched) {
      candidates = candidates.filter((c) => c.route.method !== method);
      throw methodNotAllowed(raw.method, [...new Set(candidates.map((c) => c.route.method))]);
    }
    const { route, params } = matched;
    result.routeKey = `${route.method} ${route.pattern}`;
    const options = route.options;
    const store = this.store;

    let credential: Credential | undefined;
    if (options.auth !== 'none') {
      try {
        credential = authenticate(store, raw.headers.authorization);
      } catch (err) {
        result.tokenKind = raw.headers.authorization ? 'invalid' : 'none';
        throw err;
      }
      result.tokenKind = credential.kind;
    }
    this.throttle(credential, raw);

    if (credential) {
      if (credential.kind === 'oauth' && options.scopes && options.scopes.length > 0) {
        const enforce = store.quirks.scopeChecks === 'inferred' || options.specScope === true;
        if (enforce && !options.scopes.some((s) => credential.token.scopes.includes(s))) {
          throw insufficientScope(options.scopes);
        }
      }
      if (options.internalStaffOnly && !credential.user.isStaff) throw forbidden();
      if (options.practiceStaffOnly && credential.user.isPatient) throw forbidden();
    }

    let practiceData: SandboxRequest['practiceData'];
    if (options.practiceScoped) {
      const practiceId = params.practice_uid ?? params.practice_id;
      if (!practiceId || !credential) throw notFound();
      if (!store.practiceData(practiceId) || !store.accessiblePracticeIds(credential).has(practiceId)) throw notFound();
      const data = store.practiceData(practiceId);
      if (!data) throw notFound();
      if (!store.isPracticeActive(data)) {
        const isWrite = options.write === true || method !== 'GET';
        if (isWrite || store.quirks.inactiveReads === 'forbid') throw inactivePractice();
      }
      practiceData = options.write || method !== 'GET' ? store.mutablePracticeData(practiceId) : data;
    }

    let body: unknown;
    if (method !== 'GET' && method !== 'DELETE' && raw.bodyText.trim() !== '') {
      const type = raw.headers['content-type'] ?? 'application/json';
      if (!type.includes('json')) {
        throw new HttpError(415, { detail: `Unsupported media type "${type}" in request.` });
      }
      try {
        body = JSON.parse(raw.bodyText);
      } catch (err) {
        throw badRequest(`JSON parse error - ${err instanceof Error ? err.message : 'invalid JSON'}`);
      }
    }

    const req: SandboxRequest = {
      method,
      path: raw.path,
      params,
      query: method === 'GET' && store.quirks.listFilters === 'ignored' ? withoutFilters(raw.query) : raw.query,
      body,
      credential,
      practiceData,
      nowMs: store.nowMs(),
      baseUrl: raw.baseUrl,
      quirks: store.quirks,
      headers: raw.headers,
    };
    const response = await route.handler(req);
    if (practiceData && method !== 'GET') store.invalidate(practiceData.practice.id);
    if (method === 'GET' && response.status === 200 && store.quirks.placeholders !== 'none') {
      return { ...response, body: withPlaceholders(store.quirks.placeholders, raw.path, response.body) };
    }
    return response;
  }

  /** DRF SimpleRateThrottle over the sandbox clock, keyed by token (or client address when anonymous). */
  private throttle(credential: Credential | undefined, raw: RawRequest): void {
    const rate = this.rateLimitPerMinute;
    if (!rate || rate <= 0) return;
    const key = credential
      ? credential.kind === 'oauth'
        ? `oauth:${credential.token.token}`
        : `user:${credential.user.id}`
      : `anon:${raw.headers['x-forwarded-for'] ?? 'local'}`;
    const now = this.store.nowMs();
    const history = (this.throttleHistory.get(key) ?? []).filter((t) => t > now - 60_000);
    if (history.length >= rate) {
      const oldest = history[0] as number;
      const wait = Math.max(1, Math.ceil((oldest + 60_000 - now) / 1000));
      this.throttleHistory.set(key, history);
      throw throttled(wait);
    }
    history.push(now);
    this.throttleHistory.set(key, history);
  }
}

/** The list filters `listFilters=ignored` drops before the handler reads the query (ASSUMPTIONS §3). */
export const IGNORABLE_FILTERS = ['provider', 'operatory', 'patient', 'status', 'search', 'phone', 'event_type'];

function withoutFilters(query: URLSearchParams): URLSearchParams {
  const kept = new URLSearchParams(query);
  for (const name of IGNORABLE_FILTERS) kept.delete(name);
  return kept;
}
