/**
 * What a tool is: a plain definition with no SDK imports. The registration module
 * (`src/mcp/sdk.ts`) turns definitions into MCP tools; `invoke.ts` runs them with logging,
 * timing, audit and error mapping.
 */
import type { z } from 'zod';
import type { EscapeApi } from '../api/port.js';
import type { Logger } from '../logger.js';
import type { ToolMemo } from './memo.js';

/** MCP behaviour hints. Every tool states all four explicitly. */
export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** A practice the server may act on. */
export interface PracticeRef {
  id: string;
  name: string;
  timezone: string;
}

/** Who is calling: the verified inbound caller over HTTP, or the local operator on stdio. */
export interface Principal {
  id: string;
  kind: 'local' | 'api-key' | 'jwt' | 'anonymous';
  /** Practice ids this principal may act on; 'all' = whatever the upstream credential can see. */
  practiceIds: 'all' | readonly string[];
  /** Scopes of the MCP server's own taxonomy ('scheduling:read', …); 'all' for the local operator. */
  scopes: 'all' | readonly string[];
  readOnly: boolean;
}

export interface ToolContext {
  practice: PracticeRef;
  api: EscapeApi;
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
  /** Records an appointment id this call read or wrote, for the audit line. */
  noteAppointment: (appointmentId: string) => void;
  /** The person's answer to this call's confirmation prompt, and whether the client can show one. */
  confirmation: Confirmation;
  /** Signs and checks confirmation tokens for clients that cannot show a prompt (per runtime key). */
  confirmationTokens: ConfirmationTokens;
}

export interface Confirmation {
  /** 'none' on the first round (nothing asked yet, or the client cannot be asked). */
  answer: 'accepted' | 'declined' | 'cancelled' | 'none';
  /** True when the client declared it can show a form to the person (elicitation). */
  supported: boolean;
}

export interface ConfirmationTokens {
  /** A short-lived token bound to exactly this payload (e.g. the resolved booking). */
  sign: (payload: unknown) => string;
  /** True when the token was signed for exactly this payload and has not expired. */
  verify: (token: string, payload: unknown) => boolean;
}

/** Returned by a write tool's handler to have the client ask the person before anything is written. */
export interface ConfirmationNeeded {
  kind: 'confirmation_needed';
  /** A plain summary of who, when, where and with whom. */
  message: string;
}

export interface ToolSuccess<Output> {
  structured: Output;
  /** A short plain-text summary for the model (not a second copy of the JSON). */
  summary: string;
  /** The outcome for the audit line when it is not a plain 'ok' (e.g. 'confirmation_requested'). */
  auditOutcome?: string;
}

export interface ToolDefinition<Input extends z.ZodObject = z.ZodObject, Output extends z.ZodObject = z.ZodObject> {
  /** snake_case; follows the API's own words where it has them. */
  name: string;
  title: string;
  description: string;
  /** A `z.object` with `.describe()` on every field. The `practice` argument is added by the server when needed. */
  inputSchema: Input;
  outputSchema: Output;
  annotations: ToolAnnotations;
  /** Scopes of the MCP server's taxonomy the caller must hold. */
  requiredScopes: readonly string[];
  /** True for tools that change data upstream: hidden and refused under read-only. */
  writes: boolean;
  handler: (context: ToolContext, args: z.infer<Input>) => Promise<ToolSuccess<z.infer<Output>> | ConfirmationNeeded>;
}

// biome-ignore lint/suspicious/noExplicitAny: the registry holds definitions of different input/output types.
export type AnyToolDefinition = ToolDefinition<any, any>;
