/**
 * Prometheus metrics for the HTTP server (`GET /metrics`), implementing the `Metrics` sink of
 * `telemetry.ts`. One registry per instance (not prom-client's global one), so tests and several
 * servers in one process never share counters. Labels are bounded: tool names come from the
 * catalog, operations from the API client's table, practice ids from discovery, and JSON-RPC
 * methods outside the known set are counted as "other".
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Metrics, UpstreamObservation } from './telemetry.js';

const RPC_METHODS = new Set([
  'initialize',
  'notifications/initialized',
  'ping',
  'server/discover',
  'tools/list',
  'tools/call',
  'subscriptions/listen',
  'notifications/cancelled',
]);

export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();

  private readonly httpRequests = new Counter({
    name: 'escape_mcp_http_requests_total',
    help: 'HTTP requests served, by route, method, JSON-RPC method and status.',
    labelNames: ['route', 'method', 'rpc', 'status'] as const,
    registers: [this.registry],
  });
  private readonly toolCalls = new Counter({
    name: 'escape_mcp_tool_calls_total',
    help: 'Tool calls, by tool and outcome.',
    labelNames: ['tool', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly toolSeconds = new Histogram({
    name: 'escape_mcp_tool_duration_seconds',
    help: 'Tool call latency, retries included.',
    labelNames: ['tool', 'outcome'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25],
    registers: [this.registry],
  });
  private readonly upstreamRequests = new Counter({
    name: 'escape_mcp_upstream_requests_total',
    help: 'Requests to the Escape Dental API (each attempt), by operation, status and outcome.',
    labelNames: ['operation', 'method', 'status', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly upstreamErrors = new Counter({
    name: 'escape_mcp_upstream_errors_total',
    help: 'Failed requests to the Escape Dental API, by operation and outcome.',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly upstreamSeconds = new Histogram({
    name: 'escape_mcp_upstream_duration_seconds',
    help: 'Latency of one request to the Escape Dental API.',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly gateDecisions = new Counter({
    name: 'escape_mcp_gate_decisions_total',
    help: 'Gate decisions taken when a tool is called, by tool, practice and reason ("allowed" when allowed).',
    labelNames: ['tool', 'practice', 'allowed', 'reason'] as const,
    registers: [this.registry],
  });
  private readonly gatedTools = new Gauge({
    name: 'escape_mcp_gated_tools',
    help: 'Tools switched off per practice, by source (Escape gate rows or local policy).',
    labelNames: ['practice', 'source'] as const,
    registers: [this.registry],
  });
  private readonly openStreams = new Gauge({
    name: 'escape_mcp_open_sessions',
    help: 'Open long-lived connections: 2025 Streamable HTTP sessions, legacy SSE sessions, 2026 listen streams.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  private readonly inFlightWork = new Gauge({
    name: 'escape_mcp_in_flight',
    help: 'Requests and tool calls still running (what a drain waits for; long-lived streams excluded).',
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'escape_mcp_' });
  }

  toolCall(tool: string, outcome: string, durationMs: number): void {
    this.toolCalls.inc({ tool, outcome });
    this.toolSeconds.observe({ tool, outcome }, durationMs / 1000);
  }

  upstreamRequest(observation: UpstreamObservation): void {
    const labels = {
      operation: observation.operation,
      method: observation.method,
      status: observation.status === undefined ? 'none' : String(observation.status),
      outcome: observation.outcome,
    };
    this.upstreamRequests.inc(labels);
    this.upstreamSeconds.observe(
      { operation: observation.operation, outcome: observation.outcome },
      observation.durationMs / 1000,
    );
    if (observation.outcome !== 'ok') {
      this.upstreamErrors.inc({ operation: observation.operation, outcome: observation.outcome });
    }
  }

  gateDecision(tool: string, practiceId: string, allowed: boolean, reason: string): void {
    this.gateDecisions.inc({ tool, practice: practiceId, allowed: String(allowed), reason });
  }

  httpRequest(route: string, method: string, rpc: string | undefined, status: number): void {
    this.httpRequests.inc({
      route,
      method,
      rpc: rpc === undefined ? 'none' : RPC_METHODS.has(rpc) ? rpc : 'other',
      status: String(status),
    });
  }

  gatedToolCount(practiceId: string, source: 'upstream' | 'local', count: number): void {
    this.gatedTools.set({ practice: practiceId, source }, count);
  }

  openSessions(kind: 'streamable' | 'sse' | 'listen', count: number): void {
    this.openStreams.set({ kind }, count);
  }

  inFlight(count: number): void {
    this.inFlightWork.set(count);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
