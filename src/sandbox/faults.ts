/**
 * Fault injection for the sandbox's Escape API surface (never for `/__sandbox/`). Rules are
 * matched by method and path pattern; every probabilistic decision draws from a PRNG seeded by
 * the sandbox seed and the rule set, so a sequential client sees the same faults on every run.
 */
import { z } from 'zod';
import { Random } from './seed/random.js';

export const faultRuleSchema = z
  .object({
    /** Only these methods (default: all). */
    method: z.union([z.string(), z.array(z.string())]).optional(),
    /** A regular expression (source) tested against the path without the query string. */
    path: z.string().optional(),
    /** Fixed delay before the response starts. */
    latencyMs: z.number().int().min(0).max(120_000).optional(),
    /** Extra uniform delay in [0, jitterMs]. */
    jitterMs: z.number().int().min(0).max(120_000).optional(),
    /** Probability (0..1) of answering with one of `errorStatuses` instead of the real response. */
    errorRate: z.number().min(0).max(1).optional(),
    errorStatuses: z
      .array(z.union([z.literal(500), z.literal(502), z.literal(503)]))
      .min(1)
      .optional(),
    /** The next N matching requests answer 429 with `Retry-After`. */
    burst429: z.number().int().min(0).optional(),
    /** Probability of a 429 with `Retry-After` on each matching request. */
    rate429: z.number().min(0).max(1).optional(),
    retryAfterSeconds: z.number().int().min(0).optional(),
    /** Probability of destroying the connection without a response. */
    resetRate: z.number().min(0).max(1).optional(),
    /** Probability of sending half the body then closing the connection (Content-Length promises more). */
    truncateRate: z.number().min(0).max(1).optional(),
    /** Probability of a complete 200-style response whose JSON body is malformed. */
    malformedRate: z.number().min(0).max(1).optional(),
    /** Sends the body in chunks of `chunkBytes` with `chunkDelayMs` between them. */
    slowBody: z
      .object({ chunkBytes: z.number().int().min(1).default(64), chunkDelayMs: z.number().int().min(0).max(60_000) })
      .optional(),
  })
  .strict();

export type FaultRule = z.input<typeof faultRuleSchema>;
type ParsedRule = z.output<typeof faultRuleSchema>;

export const faultConfigSchema = z.union([
  z.object({ rules: z.array(faultRuleSchema) }).strict(),
  z.array(faultRuleSchema),
  faultRuleSchema,
]);
export type FaultConfig = z.input<typeof faultConfigSchema>;

export type FaultAction =
  | { kind: 'none' }
  | { kind: 'error'; status: 500 | 502 | 503 }
  | { kind: 'throttle'; retryAfterSeconds: number }
  | { kind: 'reset' }
  | { kind: 'truncate' }
  | { kind: 'malformed' };

export interface FaultDecision {
  delayMs: number;
  action: FaultAction;
  slowBody: { chunkBytes: number; chunkDelayMs: number } | null;
}

interface ActiveRule {
  rule: ParsedRule;
  pattern: RegExp | null;
  methods: Set<string> | null;
  burstLeft: number;
}

export class FaultInjector {
  private rules: ActiveRule[] = [];
  private random: Random;
  /** How many faults of each kind were injected (for tests and the control surface). */
  readonly injected = new Map<string, number>();

  constructor(private readonly seed: string | number) {
    this.random = new Random(`${String(seed)}:faults:0`);
  }

  /** Replaces the configuration; throws a zod error when invalid. */
  set(config: FaultConfig | null | undefined): void {
    const parsed = config === null || config === undefined ? [] : normalise(faultConfigSchema.parse(config));
    this.rules = parsed.map((rule) => ({
      rule,
      pattern: rule.path ? new RegExp(rule.path) : null,
      methods: rule.method
        ? new Set((Array.isArray(rule.method) ? rule.method : [rule.method]).map((m) => m.toUpperCase()))
        : null,
      burstLeft: rule.burst429 ?? 0,
    }));
    // Seeded by (seed, configuration): the same rules produce the same fault sequence on every run.
    this.random = new Random(`${String(this.seed)}:faults:${JSON.stringify(parsed)}`);
  }

  describe(): { rules: ParsedRule[]; injected: Record<string, number> } {
    return {
      rules: this.rules.map((r) => ({
        ...r.rule,
        ...(r.rule.burst429 !== undefined ? { burst429: r.burstLeft } : {}),
      })),
      injected: Object.fromEntries(this.injected),
    };
  }

  decide(method: string, path: string): FaultDecision {
    const decision: FaultDecision = { delayMs: 0, action: { kind: 'none' }, slowBody: null };
    for (const active of this.rules) {
      if (active.methods && !active.methods.has(method)) continue;
      if (active.pattern && !active.pattern.test(path)) continue;
      const r = active.rule;
      decision.delayMs += (r.latencyMs ?? 0) + (r.jitterMs ? Math.floor(this.random.next() * (r.jitterMs + 1)) : 0);
      if (r.slowBody) decision.slowBody = r.slowBody;
      if (decision.action.kind !== 'none') continue;
      const retryAfter = r.retryAfterSeconds ?? 1;
      if (active.burstLeft > 0) {
        active.burstLeft -= 1;
        decision.action = { kind: 'throttle', retryAfterSeconds: retryAfter };
      } else if (r.rate429 && this.random.next() < r.rate429) {
        decision.action = { kind: 'throttle', retryAfterSeconds: retryAfter };
      } else if (r.errorRate && this.random.next() < r.errorRate) {
        const statuses = r.errorStatuses ?? [500];
        decision.action = { kind: 'error', status: statuses[Math.floor(this.random.next() * statuses.length)] ?? 500 };
      } else if (r.resetRate && this.random.next() < r.resetRate) {
        decision.action = { kind: 'reset' };
      } else if (r.truncateRate && this.random.next() < r.truncateRate) {
        decision.action = { kind: 'truncate' };
      } else if (r.malformedRate && this.random.next() < r.malformedRate) {
        decision.action = { kind: 'malformed' };
      }
    }
    if (decision.action.kind !== 'none') {
      this.injected.set(decision.action.kind, (this.injected.get(decision.action.kind) ?? 0) + 1);
    }
    if (decision.delayMs > 0) this.injected.set('latency', (this.injected.get('latency') ?? 0) + 1);
    if (decision.slowBody) this.injected.set('slow_body', (this.injected.get('slow_body') ?? 0) + 1);
    return decision;
  }
}

function normalise(config: z.output<typeof faultConfigSchema>): ParsedRule[] {
  if (Array.isArray(config)) return config;
  if ('rules' in config && Array.isArray(config.rules)) return config.rules;
  return [config as ParsedRule];
}

/** The bodies a proxy or Django sends for injected server errors (HTML, not JSON). */
export function errorPage(status: 500 | 502 | 503): string {
  if (status === 500)
    return '<!doctype html>\n<html lang="en">\n<head><title>Server Error (500)</title></head>\n<body><h1>Server Error (500)</h1><p></p></body>\n</html>\n';
  if (status === 502)
    return '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n';
  return '<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n</body>\r\n</html>\r\n';
}
