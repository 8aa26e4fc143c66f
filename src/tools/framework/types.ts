/**
 * What a tool is: a plain definition with no SDK imports. The registration module
 * (`src/mcp/sdk.ts`) turns definitions into MCP tools; `invoke.ts` runs them with logging,
 * timing, audit and error mapping.
 */
import type { z } from 'zod';
import type { OperationName } from '../../api/paths.js';
import type { Logger } from '../../logger.js';
import type { PracticeRef, Principal, Scope } from '../../tenancy/types.js';
import { DEFAULT_TOOLSETS, TOOLSETS, type Toolset } from '../../toolsets.js';
import type { ToolMemo } from './memo.js';
import type { SealedWrites, ToolApi } from './writes/port.js';

/** MCP behaviour hints. Every tool states all four explicitly. */
export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export interface ToolContext {
  practice: PracticeRef;
  /** Every read of the API; appointment writes are not here (see `writes`). */
  api: ToolApi;
  /** The appointment writes, sealed: only the write pipeline (`writes/pipeline.ts`) opens them. */
  writes: SealedWrites;
  principal: Principal;
  /** The current time (injectable so tests can pin it). */
  now: () => Date;
  /** Aborts on client cancellation or when the tool's deadline passes. */
  signal: AbortSignal;
  log: Logger;
  /** Records a patient id this call touched, for the audit line (ids only, never names). */
  notePatient: (patientId: string) => void;
  /** Derived data worth reusing across calls (per runtime). */
  memo: ToolMemo;
  /**
   * Reports how far a long call has got (MCP notifications/progress). A no-op unless the client
   * sent a progress token with this call; `total` may be omitted when it is not known.
   */
  progress: (done: number, total?: number, message?: string) => void;
  /**
   * True when the call runs as an MCP task (its deadline is the task's, minutes rather than
   * seconds): a tool too large for a plain call runs in full here, and otherwise says so.
   */
  inTask?: boolean;
  /** Records an appointment id this call read or wrote, for the audit line. */
  noteAppointment: (appointmentId: string) => void;
  /** The person's answer to this call's confirmation prompt, and whether the client can show one. */
  confirmation: Confirmation;
  /** Signs and checks confirmation tokens for clients that cannot show a prompt (per runtime key). */
  confirmationTokens: ConfirmationTokens;
  /** Records what this call asked the person and what came back, for the audit line (ids only). */
  noteConfirmation: (record: ConfirmationRecord) => void;
}

export interface Confirmation {
  /** What came back with this round: 'none' when no answer did (nothing asked, or no way to ask). */
  answer: 'accepted' | 'declined' | 'cancelled' | 'none';
  /** True when the client declared it can show a form to the person (elicitation). */
  supported: boolean;
  /**
   * The request state this round came back with, once the protocol layer checked it is state
   * this server sealed (`ConfirmationNeeded.state` of an earlier round); undefined when none did.
   * Only the write pipeline reads what is inside.
   */
  promptState?: unknown;
}

export interface ConfirmationTokens {
  /** A short-lived, single-use token bound to exactly this payload; `id` names it in the audit line. */
  sign: (payload: unknown) => { token: string; id: string };
  /** The token's id when it was signed for exactly this payload and has not expired, else undefined. */
  verify: (token: string, payload: unknown) => { id: string } | undefined;
}

/** What the audit line says about confirmation (ids and words from a fixed set; never the summary). */
export interface ConfirmationRecord {
  /** The id of the prompt or token this call issued. */
  asked?: string;
  /** How it was asked, or how the answer came: the client's form, or a token for a client without one. */
  via?: 'elicitation' | 'token';
  /** The answer that came with the call: the form's answer, or 'confirm' for confirm: true and a token. */
  answered?: 'accepted' | 'declined' | 'cancelled' | 'confirm';
  /** The prompt or token the answer was bound to, when it was one this server issued. */
  prompt?: string;
  /** True when the answer was taken; false when the server asked again instead. */
  honoured?: boolean;
  /** Why an answer was not taken. */
  reason?:
    | 'not_asked'
    | 'other_write'
    | 'expired'
    | 'already_used'
    | 'no_elicitation_declared'
    | 'no_token'
    | 'token_mismatch';
}

/** Returned by a write tool's handler to have the client ask the person before anything is written. */
export interface ConfirmationNeeded {
  kind: 'confirmation_needed';
  /** A plain summary of who, when, where and with whom. */
  message: string;
  /**
   * Sealed by the protocol layer into the prompt's request state; it comes back with the answer
   * (`Confirmation.promptState`) and binds that answer to this prompt.
   */
  state: unknown;
}

export interface ToolSuccess<Output> {
  structured: Output;
  /** A short plain-text summary for the model (not a second copy of the JSON). */
  summary: string;
  /** The outcome for the audit line when it is not a plain 'ok' (e.g. 'confirmation_requested'). */
  auditOutcome?: string;
}

/** The toolsets, declared outside src/tools/ so configuration and gates can name them too. */
export { DEFAULT_TOOLSETS, TOOLSETS, type Toolset };

export interface ToolDefinition<Input extends z.ZodObject = z.ZodObject, Output extends z.ZodObject = z.ZodObject> {
  /** snake_case; follows the API's own words where it has them. */
  name: string;
  toolset: Toolset;
  title: string;
  description: string;
  /** A `z.object` with `.describe()` on every field. The `practice` argument is added by the server when needed. */
  inputSchema: Input;
  outputSchema: Output;
  annotations: ToolAnnotations;
  /** Scopes of the MCP server's taxonomy the caller must hold. */
  requiredScopes: readonly Scope[];
  /** True for tools that change data upstream: hidden and refused under read-only. */
  writes: boolean;
  /**
   * Every upstream operation (src/api/paths.ts) the tool may call, through any helper it uses.
   * A call that sends a request for another one fails (invoke.ts; a read the reference cache
   * answers sends none, so is not seen there). The catalog test checks each has a sandbox route.
   */
  operations: readonly OperationName[];
  /**
   * Whether a client with the MCP tasks extension gets a task for this tool (create, poll,
   * result, cancel; progress as the task's status): 'optional' runs it as a plain call for other
   * clients, 'required' refuses them. Absent: never a task. For reads that can outlast a call.
   */
  task?: 'optional' | 'required';
  /** A realistic question staff ask and the tool's (abbreviated) answer: printed in the README by `npm run docs`. */
  example?: { question: string; answer: string };
  handler: (context: ToolContext, args: z.infer<Input>) => Promise<ToolSuccess<z.infer<Output>> | ConfirmationNeeded>;
}

// biome-ignore lint/suspicious/noExplicitAny: the registry holds definitions of different input/output types.
export type AnyToolDefinition = ToolDefinition<any, any>;
