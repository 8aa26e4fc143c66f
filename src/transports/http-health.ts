/**
 * What /healthz and /readyz answer. Liveness is only "the process answers"; readiness says whether
 * the server can serve calls now, and, to an authenticated caller, why not.
 */
import type { BreakerState } from '../api/breaker.js';
import type { DiscoveryStatus } from '../discovery.js';
import type { GateRegistry } from '../gates/registry.js';

export const HEALTHY = { status: 'ok' } as const;

/** One reason the server is not (fully) ready, as /readyz lists it to authenticated callers. */
export interface ReadinessReason {
  code: string;
  /** True when the reason makes /readyz answer 503. */
  blocking: boolean;
  message: string;
  practiceIds?: string[];
}

/** One snapshot of what readiness is decided from. */
export interface ReadinessInputs {
  draining: boolean;
  practices: DiscoveryStatus;
  gates: ReturnType<GateRegistry['status']>;
  breaker: BreakerState;
  sessions: { streamable: number; sse: number };
  /** The shared state store's health (--state); absent: not checked. */
  state?: { kind: 'memory' | 'redis'; ok: boolean; reason?: string };
}

/** Why the server is not (fully) ready: a blocking reason turns /readyz 503, the others are notes. */
export function readinessReasons(inputs: ReadinessInputs): ReadinessReason[] {
  const { gates, practices } = inputs;
  const reasons: ReadinessReason[] = [];
  if (inputs.draining) reasons.push({ code: 'draining', blocking: true, message: 'The server is shutting down.' });
  if (!practices.ready) {
    reasons.push({ code: 'practices_pending', blocking: true, message: practices.reason ?? 'Not read yet.' });
  }
  if (!gates.ready) {
    reasons.push({
      code: 'gates_pending',
      blocking: true,
      message: "Escape's tool gates have not been read yet for these practices.",
      practiceIds: gates.pendingPracticeIds,
    });
  }
  if (inputs.breaker === 'open') {
    reasons.push({
      code: 'upstream_breaker_open',
      blocking: true,
      message: 'Recent calls to Escape Dental failed; the circuit breaker holds calls back for now.',
    });
  }
  if (gates.unreadablePracticeIds.length > 0) {
    reasons.push({
      code: 'gates_unreadable',
      blocking: false,
      message: gates.localGatesOnly
        ? "The credential cannot read Escape's tool gates for these practices; --local-gates-only serves write tools there on local policy alone."
        : "The credential cannot read Escape's tool gates for these practices, so their write tools are off (reads go on). Give it read access to the gate rows, or accept the risk with --local-gates-only.",
      practiceIds: gates.unreadablePracticeIds,
    });
  }
  if (inputs.state && !inputs.state.ok) {
    // Not blocking: every replica shares the store, so taking them all out of the balancer would
    // stop the reads that still work.
    reasons.push({
      code: 'state_store_unavailable',
      blocking: false,
      message: `${inputs.state.reason ?? 'The shared state store is unavailable'}: writes are refused until it is back; reads go on.`,
    });
  }
  return reasons;
}

/** Whether the server is ready, and the full body an authenticated operator gets. */
export function readiness(inputs: ReadinessInputs) {
  const { gates, practices } = inputs;
  const reasons = readinessReasons(inputs);
  const ready = !reasons.some((reason) => reason.blocking);
  return {
    ready,
    body: {
      status: ready ? 'ready' : 'not_ready',
      ...(practices.reason ? { reason: practices.reason } : {}),
      reasons,
      practices,
      draining: inputs.draining,
      upstream: { breaker: inputs.breaker },
      gates: {
        loaded: gates.ready,
        pendingPractices: gates.pendingPracticeIds,
        unreadablePractices: gates.unreadablePracticeIds,
        localGatesOnly: gates.localGatesOnly,
        lastPollAt: gates.lastPollAt?.toISOString(),
      },
      sessions: inputs.sessions,
      ...(inputs.state ? { state: inputs.state } : {}),
    },
  };
}

/**
 * The /readyz answer. A load balancer needs the status only; the reasons, practice ids and session
 * counts are for an authenticated operator.
 */
export function readinessAnswer(inputs: ReadinessInputs, authenticated: boolean): { status: 200 | 503; body: unknown } {
  const state = readiness(inputs);
  return { status: state.ready ? 200 : 503, body: authenticated ? state.body : { status: state.body.status } };
}
