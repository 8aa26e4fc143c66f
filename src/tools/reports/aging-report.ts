/**
 * aging_report — A/R aging as of a practice-local date, computed by Escape Dental's aging-report
 * job (L4587): start the job, read it until it finishes (its progress becomes the call's), then
 * the summary in 0–30 / 31–60 / 61–90 / 90+ buckets and the rows by provider and by carrier.
 *
 * How long the job takes is Escape Dental's business, so the rule for clients without MCP tasks
 * is time, not size: the plain call waits as long as a call may (the tool deadline) and otherwise
 * says to ask again from a client with tasks (as for every tool that opts in to tasks), where the
 * same call runs as a task for minutes with progress. A call that stops early (cancelled, or out of time) cancels the job upstream and
 * reads nothing more. Starting and cancelling a job are a POST and a DELETE upstream, but they
 * change no practice data: the tool is a read (readOnlyHint, kept under --read-only).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { AgingBuckets, AgingGroup, AgingJob } from '../../api/resources/aging-jobs.js';
import { todayIn } from '../../domain/dates.js';
import { shownName, shownPlace } from '../../domain/free-text.js';
import { formatMoney, parseMoney, percent, sumMoney } from '../../domain/money.js';
import { UnverifiableAnswerError } from '../framework/errors.js';
import { checkedDate, localDateArgument } from '../framework/shared.js';
import type { ToolContext, ToolDefinition } from '../framework/types.js';

const POLL_INTERVAL_MS = 1000;

const inputSchema = z.object({
  as_of_date: localDateArgument('Age balances as of this date, YYYY-MM-DD, practice time. Default today.').optional(),
  top: z.number().int().min(1).max(50).default(10).describe('How many providers and carriers to list, by balance.'),
});

const bucketsSchema = z.object({
  current: z.string(),
  days_31_60: z.string(),
  days_61_90: z.string(),
  over_90: z.string(),
  total: z.string(),
});

const outputSchema = z.object({
  practice: z.string(),
  timezone: z.string(),
  as_of: z.string(),
  /** Present when Escape Dental aged the balances at another date than the one asked for. */
  requested_as_of: z.string().optional(),
  source: z.string(),
  summary: bucketsSchema.extend({ over_90_pct: z.string().nullable(), patient_count: z.number() }),
  by_provider: z.array(bucketsSchema.extend({ provider: z.string() })),
  by_insurance: z.array(bucketsSchema.extend({ carrier: z.string() })),
  notes: z.array(z.string()),
});
type Output = z.infer<typeof outputSchema>;

export const agingReport: ToolDefinition<typeof inputSchema, typeof outputSchema> = {
  name: 'aging_report',
  toolset: 'reports',
  title: 'A/R aging report',
  description:
    'Accounts receivable aged as of a date in practice time (0–30, 31–60, 61–90, over 90 days), by provider and by carrier, computed by an Escape Dental background job. Runs as an MCP task with progress and cancel where the client supports tasks.',
  inputSchema,
  outputSchema,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  requiredScopes: ['reports:read'],
  writes: false,
  operations: ['billing.agingJobStart', 'billing.agingJob', 'billing.agingJobCancel'],
  task: 'optional',
  example: {
    question: 'How old is our A/R?',
    answer:
      'A/R aging at Sunset Smiles Dental as of 2026-12-06 (America/Los_Angeles): $168202.45 across 539 patients — 0–30 $52588.30, 31–60 $31954.03, 61–90 $23294.30, over 90 $60365.82 (35.89% of A/R).\nBy provider: Okafor, Dr. Samuel $86048.69 (over 90 $30768.67); …\nBy carrier: No insurance $61317.15 (over 90 $27969.92); Delta Dental $27730.38 (over 90 $7870.09); …',
  },
  async handler(context, args) {
    const zone = context.practice.timezone;
    const asked = checkedDate(args.as_of_date, 'as_of_date') ?? todayIn(zone, context.now());
    const job = await runJob(context, asked);
    if (job.status === 'failed') {
      throw new UnverifiableAnswerError(
        'Escape Dental could not compute the aging report (its job failed). Ask again.',
      );
    }
    if (job.status === 'cancelled') {
      throw new UnverifiableAnswerError(
        'The aging job was cancelled at Escape Dental before it finished (not by this call). Ask again.',
      );
    }
    const report = job.report;
    if (!report) throw new UnverifiableAnswerError('Escape Dental finished the aging job without its report.');

    const notes: string[] = [];
    if (job.asOf !== asked) {
      notes.push(
        `Escape Dental aged the balances as of ${job.asOf}, not ${asked} as asked; the figures are as of ${job.asOf}.`,
      );
    }
    const s = report.summary;
    const bucketSum = sumMoney([s.current, s.days31to60, s.days61to90, s.over90]);
    if (!bucketSum.eq(parseMoney(s.total))) {
      notes.push(
        `The buckets add up to $${formatMoney(bucketSum)}, not the total of $${s.total} Escape Dental reported; both are shown as reported.`,
      );
    }
    notes.push('over_90_pct = over 90 ÷ total A/R, computed here from the figures Escape Dental reported.');

    const structured: Output = {
      practice: context.practice.name,
      timezone: zone,
      as_of: job.asOf,
      ...(job.asOf !== asked ? { requested_as_of: asked } : {}),
      source: 'Escape Dental aging-report job (billing/reports/aging/jobs), the same figures as billing/reports/aging',
      summary: {
        ...buckets(s),
        over_90_pct: percent(s.over90, s.total, { onZero: null }),
        patient_count: s.patientCount,
      },
      by_provider: topRows(report.byProvider, args.top).map((g) => ({
        provider: shownName(g.name) ?? 'No provider',
        ...buckets(g),
      })),
      by_insurance: topRows(report.byInsurance, args.top).map((g) => ({
        carrier: shownPlace(g.name) ?? 'No insurance',
        ...buckets(g),
      })),
      notes,
    };
    return { structured, summary: describe(structured) };
  },
};

/** Starts the job and reads it until it is no longer queued or running, reporting its progress. */
async function runJob(context: ToolContext, asOf: string): Promise<AgingJob> {
  const { signal } = context;
  const jobs = context.api.agingJobs;
  let job: AgingJob | undefined;
  try {
    job = await jobs.start(context.practice.id, asOf, { signal });
    while (job.status === 'queued' || job.status === 'running') {
      context.progress(job.progress ?? 0, 100, 'Escape Dental is computing the aging report');
      await sleep(POLL_INTERVAL_MS, undefined, { signal });
      job = await jobs.read(context.practice.id, job.id, { signal });
    }
    context.progress(100, 100, 'Escape Dental is computing the aging report');
    return job;
  } catch (error) {
    // Out of time in a plain call, the answer says to use tasks (invoke's deadline message).
    if (job && signal.aborted) await cancelUpstream(context, job.id);
    throw error;
  }
}

/** Cancels our job upstream once the call has stopped: its own signal is spent, so it gets a short one of its own. */
async function cancelUpstream(context: ToolContext, jobId: string): Promise<void> {
  try {
    await context.api.agingJobs.cancel(context.practice.id, jobId, { signal: AbortSignal.timeout(5000) });
  } catch (error) {
    // Already finished, or unreachable: the job ends on its own; nothing waits for it.
    context.log.info({ err: error }, 'aging job not cancelled upstream');
  }
}

function buckets(b: AgingBuckets) {
  return { current: b.current, days_31_60: b.days31to60, days_61_90: b.days61to90, over_90: b.over90, total: b.total };
}

function topRows(rows: readonly AgingGroup[], top: number): AgingGroup[] {
  return [...rows]
    .sort((a, b) => parseMoney(b.total).cmp(parseMoney(a.total)) || a.name.localeCompare(b.name))
    .slice(0, top);
}

function describe(output: Output): string {
  const s = output.summary;
  const lines = [
    `A/R aging at ${shownPlace(output.practice)} as of ${output.as_of} (${output.timezone}): $${s.total} across ${s.patient_count} patients — 0–30 $${s.current}, 31–60 $${s.days_31_60}, 61–90 $${s.days_61_90}, over 90 $${s.over_90}${s.over_90_pct ? ` (${s.over_90_pct}% of A/R)` : ''}.`,
  ];
  if (output.by_provider.length) {
    lines.push(
      `By provider: ${output.by_provider.map((p) => `${p.provider} $${p.total} (over 90 $${p.over_90})`).join('; ')}.`,
    );
  }
  if (output.by_insurance.length) {
    lines.push(
      `By carrier: ${output.by_insurance.map((c) => `${c.carrier} $${c.total} (over 90 $${c.over_90})`).join('; ')}.`,
    );
  }
  lines.push(`Source: ${output.source}.`);
  for (const note of output.notes) lines.push(`Note: ${note}`);
  return lines.join('\n');
}
