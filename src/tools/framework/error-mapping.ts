/**
 * The one mapper from an error to the message a tool returns with `isError`. Messages say what
 * went wrong and what to try next; they never carry an upstream body, a stack trace, a token or
 * patient data. Unexpected errors get a generic message and are logged (redacted) in full.
 */
import { ZodError } from 'zod';
import {
  ArgumentError,
  BadRequest,
  Conflict,
  EscapeApiError,
  RequestAborted,
  UnrecognizedShape,
  UnusableUpstreamValue,
} from '../../api/errors.js';
import { DateInputError } from '../../domain/dates.js';
import { quoted, shownCode } from '../../domain/free-text.js';
import { MoneyParseError } from '../../domain/money.js';
import { TextInputError } from '../../domain/names.js';
import { PracticeSelectionError, ToolRefusedError } from '../../tenancy/errors.js';
import { ToolInputError, UnverifiableAnswerError } from './errors.js';

export interface DescribedError {
  message: string;
  /** Outcome label for metrics and the audit line. */
  label: string;
  /** True when the error is a bug or an unknown failure worth a full (redacted) log entry. */
  unexpected: boolean;
  /** A warning for the operator's log: what upstream sent, as shapes and types (never values). */
  log?: { message: string; fields: Record<string, unknown> };
}

export function describeToolError(
  error: unknown,
  context: {
    toolTimeoutMs: number;
    deadlineExceeded?: boolean;
    /** The tool could have run as an MCP task (it opts in) but this call was a plain one. */
    tasksWouldFit?: boolean;
  },
): DescribedError {
  if (error instanceof ToolInputError) return { message: error.message, label: 'invalid_input', unexpected: false };
  if (error instanceof PracticeSelectionError)
    return { message: error.message, label: 'invalid_input', unexpected: false };
  if (error instanceof DateInputError || error instanceof TextInputError || error instanceof ArgumentError) {
    return { message: error.message, label: 'invalid_input', unexpected: false };
  }
  if (error instanceof UnverifiableAnswerError)
    return { message: error.message, label: 'unverifiable', unexpected: false };
  if (error instanceof ToolRefusedError) return { message: error.message, label: 'refused', unexpected: false };
  if (error instanceof ZodError) {
    const issues = error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`).join('; ');
    return { message: `Invalid arguments — ${issues}.`, label: 'invalid_input', unexpected: false };
  }
  // The tool's own deadline fired while an upstream request was in flight.
  const deadlineHit = context.deadlineExceeded === true && (error instanceof RequestAborted || isAbort(error));
  if (error instanceof UnrecognizedShape || error instanceof UnusableUpstreamValue) {
    return { message: error.message, label: `upstream_${error.kind}`, unexpected: false, log: operatorLog(error) };
  }
  // A money amount that no reader checked first: still never "something went wrong".
  if (error instanceof MoneyParseError) {
    return {
      message:
        'Escape Dental sent an unusable amount of money, so no answer is given rather than a guess. Ask an Escape Dental administrator to check the record.',
      label: 'upstream_unusable_value',
      unexpected: true,
    };
  }
  if (error instanceof EscapeApiError && !deadlineHit) {
    return { message: apiErrorText(error), label: `upstream_${error.kind}`, unexpected: false };
  }
  if (deadlineHit && context.tasksWouldFit) {
    return {
      message: `This report took longer than the ${Math.max(1, Math.round(context.toolTimeoutMs / 1000))} s one call may take and was stopped. Ask again from a client that supports MCP tasks: there it runs as a task, with progress, for minutes if it needs them. Or narrow it (a shorter period, fewer practices).`,
      label: 'timeout',
      unexpected: false,
    };
  }
  if (deadlineHit || isAbort(error)) {
    return {
      message: `The request took longer than ${Math.max(1, Math.round(context.toolTimeoutMs / 1000))} s and was stopped. The Escape Dental API may be slow right now; try again in a moment, or narrow the request (a shorter date range).`,
      label: 'timeout',
      unexpected: false,
    };
  }
  return {
    message:
      'Something went wrong inside the server while answering. Nothing was changed. Try again; if it keeps failing, the server log has the details.',
    label: 'internal_error',
    unexpected: true,
  };
}

/**
 * An upstream error in words for a tool's text. A 400's field messages and a 409's conflict codes
 * are Escape Dental's own text: quoted here (free-text.ts), where the error's message has them bare.
 */
export function apiErrorText(error: EscapeApiError): string {
  if (error instanceof BadRequest) {
    if (error.fieldErrors.length === 0) return error.message;
    const said = error.fieldErrors.slice(0, 5).map((f) => {
      const text = quoted('', f.messages.join(' '), 200) ?? '(no message)';
      return f.field === 'detail' || f.field === 'non_field_errors' ? text : `${shownCode('field', f.field)}: ${text}`;
    });
    return `The Escape Dental API rejected the request: ${said.join('; ')}.`;
  }
  if (error instanceof Conflict) {
    const codes = [...new Set(error.conflicts.map((c) => shownCode('code', c.code)).filter((c) => c !== undefined))];
    return codes.length > 0
      ? `The time conflicts with existing bookings (${codes.join(', ')}). Pick another time, chair or provider.`
      : error.message;
  }
  return error.message;
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

/** What the operator needs to fix an unreadable answer: where, and what came (shapes and types, never values). */
function operatorLog(error: UnrecognizedShape | UnusableUpstreamValue): NonNullable<DescribedError['log']> {
  return error instanceof UnrecognizedShape
    ? {
        message: 'Escape Dental answered in a shape this server does not read',
        fields: { operation: error.operation, endpoint: error.endpoint, shape: error.shape },
      }
    : {
        message: 'Escape Dental sent an unusable value',
        fields: { operation: error.operation, field: error.field, received: error.received },
      };
}
