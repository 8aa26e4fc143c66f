/**
 * Runs one tool call: practice resolution, the gate decision, a deadline, the handler, error
 * mapping, timing, metrics and one audit line. This is the wrapper every tool goes through;
 * `src/mcp/sdk.ts` only adapts its outcome to the protocol.
 */
import { randomUUID } from 'node:crypto';
import { type Divergence, describeDivergences } from '../../api/divergence.js';
import type { OperationName } from '../../api/paths.js';
import type { EscapeApi } from '../../api/port.js';
import { isValidTimeZone, unusableTimeZoneReason } from '../../domain/dates.js';
import { FREE_TEXT_NOTICE, quotesUpstreamText } from '../../domain/free-text.js';
import { withoutInvisible } from '../../domain/names.js';
import { decideTool, type PracticeGates } from '../../gates/decision.js';
import { type Logger, writeAudit } from '../../logger.js';
import { type CallScope, type Metrics, runInCallScope } from '../../telemetry.js';
import { type AccessDecision, authorizeAccess, grantOf, type MessageCredential } from '../../tenancy/access.js';
import { PracticeSelectionError, ToolRefusedError } from '../../tenancy/errors.js';
import { unavailablePracticeMessage } from '../../tenancy/practice.js';
import type { PracticeRef, PracticeScope, Principal } from '../../tenancy/types.js';
import { describeToolError } from './error-mapping.js';
import { UnverifiableAnswerError } from './errors.js';
import type { ToolMemo } from './memo.js';
import type {
  AnyToolDefinition,
  Confirmation,
  ConfirmationNeeded,
  ConfirmationRecord,
  ConfirmationTokens,
} from './types.js';
import { readOnlyApi, sealWrites } from './writes/port.js';

/**
 * Operations the API client makes on its own for any tool: the practice's zone is read (and
 * cached) by every dated read (api/resources/context.ts), so no tool declares it.
 */
export const AMBIENT_OPERATIONS: readonly OperationName[] = ['practices.retrieve'];

/** What each tool may call upstream, built once a tool rather than once a call. */
const PERMITTED_OPERATIONS = new WeakMap<AnyToolDefinition, ReadonlySet<string>>();
function operationsOf(tool: AnyToolDefinition): ReadonlySet<string> {
  let permitted = PERMITTED_OPERATIONS.get(tool);
  if (!permitted) {
    permitted = new Set([...tool.operations, ...AMBIENT_OPERATIONS]);
    PERMITTED_OPERATIONS.set(tool, permitted);
  }
  return permitted;
}

/** A tool reached an upstream operation its definition does not declare: a bug in the tool. */
export class UndeclaredOperationError extends Error {
  constructor(
    readonly tool: string,
    readonly operations: readonly string[],
  ) {
    super(
      `Tool ${tool} called upstream operations its definition does not declare: ${operations.join(', ')}. Add them to its operations.`,
    );
    this.name = 'UndeclaredOperationError';
  }
}

export type ToolCallOutcome =
  | { kind: 'ok'; structured: Record<string, unknown>; text: string }
  | { kind: 'error'; text: string }
  /** Ask the person through the client (elicitation / input_required), then call again. */
  | { kind: 'confirm'; message: string; state: unknown };

export interface InvokeDependencies {
  api: EscapeApi;
  /** The principal this server was built for (the local operator on stdio; the caller over HTTP). */
  principal: Principal;
  /** The practices this server serves its caller: what it lists, and the grant every call must still hold. */
  practices: PracticeScope;
  /** The practices this process serves now (default: `practices`); read at each call. */
  served?: () => PracticeScope;
  /**
   * True over HTTP: every call must carry the credential of its own message (see tenancy/access.ts), and
   * one without is refused rather than run with the credential the server was built for.
   */
  credentialPerMessage?: boolean;
  gatesFor: (practice: PracticeRef) => PracticeGates;
  logger: Logger;
  metrics: Metrics;
  now: () => Date;
  toolTimeoutMs: number;
  memo: ToolMemo;
  confirmationTokens: ConfirmationTokens;
}

/** What the protocol layer knows about this round of the call. */
export interface CallRound {
  signal: AbortSignal | undefined;
  confirmation: Confirmation;
  /** The credential the message of this call presented (HTTP), verified by the transport. */
  credential?: MessageCredential | undefined;
  /** Sends notifications/progress for this call; set only when the client sent a progress token. */
  progress?: ((done: number, total?: number, message?: string) => void) | undefined;
  /** Set when the call runs as an MCP task: it gets the task's (longer) deadline instead of the tool's. */
  task?: { deadlineMs: number } | undefined;
}

export async function invokeTool(
  tool: AnyToolDefinition,
  args: Record<string, unknown>,
  deps: InvokeDependencies,
  round: CallRound = { signal: undefined, confirmation: { answer: 'none', supported: false } },
): Promise<ToolCallOutcome> {
  const clientSignal = round.signal;
  const started = performance.now();
  const callId = randomUUID();
  const scope: CallScope = {
    tool: tool.name,
    upstreamRequests: 0,
    upstreamFailures: 0,
    operations: operationsOf(tool),
  };
  const patientIds = new Set<string>();
  const appointmentIds = new Set<string>();
  let confirmationRecord: ConfirmationRecord | undefined;
  // Made on first use: most calls log nothing of their own, and a pino child has a measurable cost per call.
  let callLogger: Logger | undefined;
  const log = (): Logger => {
    callLogger ??= deps.logger.child({ tool: tool.name, callId });
    return callLogger;
  };
  let practice: PracticeRef | undefined;
  let outcome: ToolCallOutcome;
  let outcomeLabel: string;
  let deadline: CallDeadline | undefined;
  const divergences: Divergence[] = [];

  const credential =
    round.credential ?? (deps.credentialPerMessage ? undefined : { principal: deps.principal, pin: undefined });
  const principal = credential?.principal ?? deps.principal;
  try {
    const { practice: practiceArgument, ...toolArgs } = args;
    if (!credential) throw new ToolRefusedError('This call arrived without a verified credential, so it was not run.');
    if (practiceArgument !== undefined && typeof practiceArgument !== 'string') {
      throw new PracticeSelectionError('practice must be a practice name or id, as text.');
    }
    const access = authorizeCall(deps, credential, practiceArgument);
    if (!access.ok) {
      if (access.reason === 'practice_argument') throw new PracticeSelectionError(access.message);
      log().info({ reason: access.reason }, 'tool call refused: the credential presented now does not hold the grant');
      throw new ToolRefusedError(access.message);
    }
    practice = access.practice as PracticeRef;

    const decision = decideTool(tool, principal, practice, deps.gatesFor(practice));
    deps.metrics.gateDecision(tool.name, practice.id, decision.allowed, decision.allowed ? 'allowed' : decision.reason);
    if (!decision.allowed) {
      log().info({ practiceId: practice.id, reason: decision.reason }, 'tool call refused by gate');
      throw new ToolRefusedError(decision.message);
    }

    // Discovery lists a practice with an unusable zone as unavailable; this holds for any other path.
    if (!isValidTimeZone(practice.timezone)) {
      throw new UnverifiableAnswerError(
        unavailablePracticeMessage({ ...practice, reason: unusableTimeZoneReason(practice.timezone) }),
      );
    }

    deadline = callDeadline(round.task?.deadlineMs ?? deps.toolTimeoutMs, clientSignal);
    const { signal } = deadline;
    const resolvedPractice = practice;
    const result = await runInCallScope(scope, divergences, () =>
      tool.handler(
        {
          practice: resolvedPractice,
          api: readOnlyApi(deps.api),
          writes: sealWrites(deps.api),
          principal,
          now: deps.now,
          signal,
          get log() {
            return log();
          },
          notePatient: (id) => patientIds.add(id),
          noteAppointment: (id) => appointmentIds.add(id),
          progress: round.progress ?? (() => {}),
          inTask: round.task !== undefined,
          memo: deps.memo,
          confirmation: round.confirmation,
          confirmationTokens: deps.confirmationTokens,
          noteConfirmation: (record) => {
            confirmationRecord = record;
          },
        },
        toolArgs,
      ),
    );
    const undeclared = undeclaredOperations(tool, scope);
    if (undeclared) throw undeclared;
    if (isConfirmationNeeded(result)) {
      outcome = { kind: 'confirm', message: result.message, state: result.state };
      outcomeLabel = 'confirmation_requested';
    } else {
      outcome = withDivergences({ kind: 'ok', structured: result.structured, text: result.summary }, divergences);
      outcomeLabel = result.auditOutcome ?? 'ok';
    }
  } catch (caught) {
    // An undeclared operation is the bug to report, whatever the handler failed with after it.
    const error = undeclaredOperations(tool, scope) ?? caught;
    // The API client turns an aborted signal into RequestAborted ("cancelled"); when it was our
    // own deadline, the caller must hear "took too long, try again", not "cancelled".
    const deadlineExceeded = deadline?.expired === true && clientSignal?.aborted !== true;
    const described = describeToolError(error, {
      toolTimeoutMs: round.task?.deadlineMs ?? deps.toolTimeoutMs,
      deadlineExceeded,
      tasksWouldFit: tool.task !== undefined && round.task === undefined,
    });
    if (described.unexpected) {
      const undeclared = error instanceof UndeclaredOperationError ? { undeclaredOperations: error.operations } : {};
      log().error({ err: error, ...undeclared }, 'tool call failed unexpectedly');
    }
    if (described.log) log().warn(described.log.fields, described.log.message);
    // Messages may quote what the caller sent ("No provider matches …"): never echo bidi or
    // invisible characters back, which could reorder or hide text in what a person reads.
    outcome = withDivergences({ kind: 'error', text: withoutInvisible(described.message) }, divergences);
    outcomeLabel = described.label;
  }

  deadline?.release();
  outcome = withFreeTextNotice(outcome);
  const durationMs = Math.round(performance.now() - started);
  deps.metrics.toolCall(tool.name, outcomeLabel, durationMs);
  // The audit line: ids only — never names, dates of birth, phones or note text.
  writeAudit(
    deps.logger,
    {
      audit: true,
      callId,
      principal: principal.id,
      practiceId: practice?.id,
      tool: tool.name,
      outcome: outcomeLabel,
      durationMs,
      upstreamRequests: scope.upstreamRequests,
      patientIds: [...patientIds],
      ...(appointmentIds.size > 0 ? { appointmentIds: [...appointmentIds] } : {}),
      // What was asked and what came back (ids and fixed words only); an answer no write tool looked at is still recorded.
      ...(confirmationRecord
        ? { confirmation: confirmationRecord }
        : round.confirmation.answer !== 'none'
          ? { confirmation: { answered: round.confirmation.answer, honoured: false } }
          : {}),
    },
    'tool call',
  );
  return outcome;
}

interface CallDeadline {
  /** Aborts when the deadline passes or the client cancels, whichever comes first. */
  signal: AbortSignal;
  /** Whether the deadline passed (rather than the client cancelling). */
  readonly expired: boolean;
  /** Stops the timer and lets go of the client's signal once the call has its answer. */
  release: () => void;
}

/**
 * One controller and one timer for the call, instead of `AbortSignal.timeout` and
 * `AbortSignal.any`: the composite signals are weakly tracked by Node and cost measurably per
 * call. It aborts with the reason either of those would have given.
 */
function callDeadline(ms: number, clientSignal: AbortSignal | undefined): CallDeadline {
  const controller = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
  }, ms);
  timer.unref();
  const cancel = () => controller.abort(clientSignal?.reason);
  if (clientSignal?.aborted) cancel();
  else clientSignal?.addEventListener('abort', cancel, { once: true });
  return {
    signal: controller.signal,
    get expired() {
      return expired;
    },
    release() {
      clearTimeout(timer);
      clientSignal?.removeEventListener('abort', cancel);
    },
  };
}

/**
 * The audit line of a call the protocol layer refused before `invokeTool` (arguments that fail
 * the input schema): hostile or broken calls leave the same ids-only trace as any other.
 */
export function auditInvalidCall(tool: AnyToolDefinition, args: unknown, deps: InvokeDependencies): void {
  let practiceId: string | null = null;
  try {
    const named = (args as { practice?: unknown } | null)?.practice;
    const access = authorizeCall(deps, { principal: deps.principal, pin: undefined }, named);
    practiceId = access.ok ? (access.practice?.id ?? null) : null;
  } catch {
    // No practice list yet: the line says so with null, as for an unknown or missing practice.
  }
  deps.metrics.toolCall(tool.name, 'invalid_input', 0);
  writeAudit(
    deps.logger,
    {
      audit: true,
      callId: randomUUID(),
      principal: deps.principal.id,
      practiceId,
      tool: tool.name,
      outcome: 'invalid_input',
      durationMs: 0,
      upstreamRequests: 0,
      patientIds: [],
    },
    'tool call',
  );
}

/**
 * States in the answer's text what the API did differently from what was asked (issue 14 item 1),
 * whichever part of the tool read it: "Partial result: …" first, the other notes last; also in
 * the structured `notes` when the tool has them. A line the tool already wrote is not repeated.
 */
function withDivergences(outcome: ToolCallOutcome, records: readonly Divergence[]): ToolCallOutcome {
  if (records.length === 0 || outcome.kind === 'confirm') return outcome;
  const { partial, notes } = describeDivergences(records);
  const fresh = (line: string) => !outcome.text.includes(line);
  const partialLines = partial.filter(fresh);
  const noteLines = notes.filter(fresh);
  if (outcome.kind === 'error') {
    return { kind: 'error', text: [outcome.text, ...partialLines, ...noteLines.map((n) => `Note: ${n}`)].join('\n') };
  }
  const structuredNotes = outcome.structured.notes;
  if (Array.isArray(structuredNotes) && structuredNotes.every((n) => typeof n === 'string')) {
    for (const line of [...partialLines, ...noteLines]) if (!structuredNotes.includes(line)) structuredNotes.push(line);
  }
  return {
    kind: 'ok',
    structured: outcome.structured,
    text: [...partialLines, outcome.text, ...noteLines.map((n) => `Note: ${n}`)].join('\n'),
  };
}

/**
 * An answer whose text quotes anything from Escape Dental (free-text.ts) says once, at the end,
 * what the quotes hold; so do its structured `notes`. The confirmation prompt is for the person
 * and carries only the quotes.
 */
function withFreeTextNotice(outcome: ToolCallOutcome): ToolCallOutcome {
  if (outcome.kind === 'confirm' || !quotesUpstreamText(outcome.text) || outcome.text.includes(FREE_TEXT_NOTICE)) {
    return outcome;
  }
  const text = `${outcome.text}\nNote: ${FREE_TEXT_NOTICE}`;
  if (outcome.kind === 'error') return { kind: 'error', text };
  const notes = outcome.structured.notes;
  if (Array.isArray(notes) && notes.every((n) => typeof n === 'string') && !notes.includes(FREE_TEXT_NOTICE)) {
    notes.push(FREE_TEXT_NOTICE);
  }
  return { kind: 'ok', structured: outcome.structured, text };
}

/**
 * The call's authorization (tenancy/access.ts): the credential of this message, against the practices
 * served now and the grant this server was built for — a session opened with other grants than
 * the message presents now serves nothing for it.
 */
function authorizeCall(
  deps: InvokeDependencies,
  credential: MessageCredential,
  practiceArgument: unknown,
): AccessDecision {
  return authorizeAccess({
    ...credential,
    served: deps.served?.() ?? deps.practices,
    openedWith: grantOf(deps.principal, deps.practices),
    call: { practiceArgument: typeof practiceArgument === 'string' ? practiceArgument : undefined },
  });
}

/** The error that fails a call which reached an undeclared operation, even when its handler caught what followed. */
function undeclaredOperations(tool: AnyToolDefinition, scope: CallScope): UndeclaredOperationError | undefined {
  return scope.undeclared?.size ? new UndeclaredOperationError(tool.name, [...scope.undeclared]) : undefined;
}

function isConfirmationNeeded(result: object): result is ConfirmationNeeded {
  return (result as Partial<ConfirmationNeeded>).kind === 'confirmation_needed';
}
