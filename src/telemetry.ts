/**
 * Per-call bookkeeping and metrics hooks. A tool call runs inside an AsyncLocalStorage scope so
 * that every upstream request made on its behalf (however deep in the API client) is counted and
 * attributed to it, without threading a counter through every function. The scope shares the
 * divergence records' store (api/divergence.ts): one storage for both.
 */
import { currentCallScope, type Divergence, runCall } from './api/divergence.js';

export interface CallScope {
  tool: string;
  upstreamRequests: number;
  upstreamFailures: number;
  /**
   * The upstream operations the tool declared (`ToolDefinition.operations`). A request for any
   * other is noted in `undeclared` and fails the call (invoke.ts). Absent outside tool calls.
   */
  operations?: ReadonlySet<string>;
  undeclared?: Set<string>;
}

/** Runs a tool call in its scope, its divergence records going to `divergences`. */
export function runInCallScope<T>(scope: CallScope, divergences: Divergence[], fn: () => Promise<T>): Promise<T> {
  return runCall(divergences, scope, fn);
}

export interface UpstreamObservation {
  operation: string;
  method: string;
  status: number | undefined;
  durationMs: number;
  attempt: number;
  outcome: string;
}

/** Metrics sinks. The HTTP server plugs Prometheus in; stdio uses the no-op. */
export interface Metrics {
  toolCall(tool: string, outcome: string, durationMs: number): void;
  upstreamRequest(observation: UpstreamObservation): void;
  gateDecision(tool: string, practiceId: string, allowed: boolean, reason: string): void;
}

export const noMetrics: Metrics = {
  toolCall: () => {},
  upstreamRequest: () => {},
  gateDecision: () => {},
};

/** The API client's observer: counts the request against the current tool call and records metrics. */
export function upstreamObserver(metrics: Metrics): (observation: UpstreamObservation) => void {
  return (observation) => {
    const scope = currentCallScope() as CallScope | undefined;
    if (scope) {
      scope.upstreamRequests += 1;
      if (observation.outcome !== 'ok') scope.upstreamFailures += 1;
      if (scope.operations && !scope.operations.has(observation.operation)) {
        scope.undeclared ??= new Set();
        scope.undeclared.add(observation.operation);
      }
    }
    metrics.upstreamRequest(observation);
  };
}
