/**
 * The person says yes before anything is written, and the yes must be an answer to a question
 * this server asked, about exactly this write.
 *
 * - A client that can show a form (elicitation) is asked. The prompt carries a sealed request
 *   state (`PromptState`: an id, the caller, the practice, the tool, a digest of exactly what
 *   will be written, an expiry). On the 2026-07-28 era the client echoes it with its answer; on
 *   2025 sessions and stdio the SDK's shim asks through `elicitation/create` and re-enters the
 *   handler with the same state (it is verified there too), so both eras bind the answer to the
 *   prompt the same way. An answer that comes without such a state, with one for another write,
 *   an expired one, or one already spent is not a yes: the person is asked again.
 * - A client without a form gets a summary and a single-use token bound to the same digest
 *   (`../confirmation.ts`); an answer it sends anyway is not a yes either.
 * - A no is always taken: it writes nothing.
 *
 * Every prompt and token has an id; the audit line records what was asked and what came back.
 */
import { randomBytes } from 'node:crypto';
import { CONFIRMATION_TTL_MS } from '../confirmation.js';
import { digest, writeLedger } from '../idempotency.js';
import type { ConfirmationNeeded, ConfirmationRecord, ToolContext, ToolSuccess } from '../types.js';

/** What a prompt seals into its request state. Signed (not encrypted): ids and a digest only. */
export interface PromptState {
  kind: 'write-confirmation';
  id: string;
  tool: string;
  principal: string;
  practice: string;
  /** Digest of exactly what would be written (see `confirmWrite`'s `write`). */
  digest: string;
  /** Epoch ms after which the answer no longer counts. */
  expires: number;
}

export interface ConfirmationPlan<Output> {
  tool: string;
  /** The idempotency key of this call (see `idempotency.ts`). */
  key: string;
  /** Exactly what will be written and what it must look like after: the prompt and the token bind to it. */
  write: Record<string, unknown>;
  /** Who, when, where and with whom, in plain words. */
  summary: string;
  /** "Book it?" */
  question: string;
  args: { confirm?: boolean | undefined; confirmation_token?: string | undefined };
  /** The answer for a client that cannot ask: the summary, a token, and why it is asked (again). */
  tokenAnswer: (token: string, note: string | undefined) => ToolSuccess<Output>;
  /** The person said no (or dismissed the prompt). */
  declined: (answer: 'declined' | 'cancelled') => ToolSuccess<Output>;
}

type Refusal = NonNullable<ConfirmationRecord['reason']>;

const ASK_AGAIN: Partial<Record<Refusal, string>> = {
  other_write: 'The details changed since you were asked. ',
  expired: 'That confirmation is too old. ',
  already_used: 'That confirmation was already used. ',
};

const TOKEN_NOTES: Partial<Record<Refusal, string>> = {
  no_token:
    'confirm: true needs the confirmation_token of a summary the person saw. Show them this summary; if they agree, call again with confirm: true and this token.',
  token_mismatch: `The confirmation_token does not match these details (or is older than ${Math.round(CONFIRMATION_TTL_MS / 60_000)} minutes), so nothing was written. Show the person this summary; if they agree, call again with confirm: true and this new token.`,
  already_used:
    'That confirmation_token was already used for a write, so nothing was written. Show the person this summary; if they agree, call again with confirm: true and this new token.',
};

/**
 * Returns 'confirmed' when the write may go ahead now; otherwise the answer to return instead
 * (a prompt for the person, a token for a client that cannot prompt, or "nothing changed").
 */
export async function confirmWrite<Output>(
  context: ToolContext,
  plan: ConfirmationPlan<Output>,
): Promise<'confirmed' | ToolSuccess<Output> | ConfirmationNeeded> {
  const ledger = writeLedger(context);
  const bound = { tool: plan.tool, principal: context.principal.id, practice: context.practice.id, ...plan.write };
  const writeDigest = digest(bound);
  const { answer, supported, promptState } = context.confirmation;

  if (supported) {
    const ask = (record: Omit<ConfirmationRecord, 'asked' | 'via'> = {}): ConfirmationNeeded => {
      const state: PromptState = {
        kind: 'write-confirmation',
        id: randomBytes(12).toString('base64url'),
        tool: plan.tool,
        principal: context.principal.id,
        practice: context.practice.id,
        digest: writeDigest,
        expires: context.now().getTime() + CONFIRMATION_TTL_MS,
      };
      context.noteConfirmation({ ...record, asked: state.id, via: 'elicitation' });
      const again = record.reason ? (ASK_AGAIN[record.reason] ?? '') : '';
      return { kind: 'confirmation_needed', message: `${again}${plan.summary}\n${plan.question}`, state };
    };
    if (answer === 'none') return ask();
    const prompt = promptOf(promptState);
    const refusal = refusalOf(prompt, plan.tool, writeDigest, context);
    if (answer !== 'accepted') {
      // A no writes nothing, whichever prompt it answers.
      const answering = prompt && !refusal ? { prompt: prompt.id } : {};
      context.noteConfirmation({ answered: answer, honoured: true, via: 'elicitation', ...answering });
      return plan.declined(answer);
    }
    if (refusal || !prompt) {
      return ask({
        answered: answer,
        honoured: false,
        reason: refusal ?? 'not_asked',
        ...(prompt ? { prompt: prompt.id } : {}),
      });
    }
    if (!(await ledger.spend(prompt.id, plan.key))) {
      return ask({ answered: answer, honoured: false, reason: 'already_used', prompt: prompt.id });
    }
    context.noteConfirmation({ answered: answer, honoured: true, prompt: prompt.id, via: 'elicitation' });
    return 'confirmed';
  }

  // No form to show: the token path. An answer sent anyway was never asked for.
  const issue = (reason: Refusal | undefined, record: Omit<ConfirmationRecord, 'asked' | 'via'> = {}) => {
    const { token, id } = context.confirmationTokens.sign(bound);
    context.noteConfirmation({ ...record, ...(reason ? { honoured: false, reason } : {}), asked: id, via: 'token' });
    return plan.tokenAnswer(token, reason ? TOKEN_NOTES[reason] : undefined);
  };
  if (plan.args.confirm !== true) {
    return answer === 'none' ? issue(undefined) : issue('no_elicitation_declared', { answered: answer });
  }
  if (!plan.args.confirmation_token) return issue('no_token', { answered: 'confirm' });
  const verified = context.confirmationTokens.verify(plan.args.confirmation_token, bound);
  if (!verified) return issue('token_mismatch', { answered: 'confirm' });
  if (!(await ledger.spend(verified.id, plan.key)))
    return issue('already_used', { answered: 'confirm', prompt: verified.id });
  context.noteConfirmation({ answered: 'confirm', honoured: true, prompt: verified.id, via: 'token' });
  return 'confirmed';
}

function promptOf(state: unknown): PromptState | undefined {
  if (typeof state !== 'object' || state === null) return undefined;
  const s = state as Partial<PromptState>;
  return s.kind === 'write-confirmation' &&
    typeof s.id === 'string' &&
    typeof s.tool === 'string' &&
    typeof s.principal === 'string' &&
    typeof s.practice === 'string' &&
    typeof s.digest === 'string' &&
    typeof s.expires === 'number'
    ? (s as PromptState)
    : undefined;
}

function refusalOf(
  prompt: PromptState | undefined,
  tool: string,
  writeDigest: string,
  context: ToolContext,
): Refusal | undefined {
  if (!prompt) return 'not_asked';
  if (
    prompt.tool !== tool ||
    prompt.principal !== context.principal.id ||
    prompt.practice !== context.practice.id ||
    prompt.digest !== writeDigest
  ) {
    return 'other_write';
  }
  if (prompt.expires <= context.now().getTime()) return 'expired';
  return undefined;
}
