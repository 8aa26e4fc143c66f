/**
 * find_spot — the next open appointment times, from the practice's own slot finder (which
 * applies templates, blockouts, closures, chairs and existing appointments server-side).
 * Dates and times are the practice's; DST is the API's and luxon's business, never ours by hand.
 */
import { z } from 'zod';
import type { FindSpotResult, Operatory, Provider, Slot, StartWindow } from '../../api/port.js';
import { addDays, diffDays, instantToIsoWeekday, todayIn, toPracticeIso } from '../../domain/dates.js';
import { quoted, shownName, shownPlace } from '../../domain/free-text.js';
import { parseTimeOfDay } from '../../domain/time-of-day.js';
import { ToolInputError, UnverifiableAnswerError } from '../framework/errors.js';
import {
  checkedDate,
  localDateArgument,
  operatoryName,
  operatoryText,
  providerName,
  providerText,
  resolveOperatories,
  resolveProviders,
  visitLengthArguments,
  WEEKDAY_LABELS,
  WEEKDAYS,
} from '../framework/shared.js';
import type { ToolContext, ToolDefinition } from '../framework/types.js';
import { lengthOfAppointmentType, usualLengthNote } from './appointment-types.js';

const MAX_SPAN_DAYS = 90; // find-spot: "Last date to search (max 90 days)" (L741)
const DEFAULT_SPAN_DAYS = 30; // "default: start_date + 30 days" (L721)

const inputSchema = z.object({
  ...visitLengthArguments,
  providers: z
    .array(z.string().min(1).max(120))
    .max(6)
    .optional()
    .describe('Providers by name ("Dr. Dana"), abbreviation or id; any of them. Default: anyone.'),
  operatories: z.array(z.string().min(1).max(100)).max(6).optional().describe('Chairs by name or id. Default: any.'),
  start_date: localDateArgument('First date to search, YYYY-MM-DD, practice time. Default: today.').optional(),
  end_date: localDateArgument(
    'Last date to search, YYYY-MM-DD. Default: 30 days after start; at most 90 days after start.',
  ).optional(),
  when: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe(
      'Start-time preference in plain words: "mornings", "after 3pm", "Tue/Thu after 3pm", "Mon mornings or Fri afternoons".',
    ),
  days_of_week: z.array(z.enum(WEEKDAYS)).min(1).max(7).optional().describe('Only these weekdays.'),
  max_results: z
    .number()
    .int()
    .min(1)
    .max(50, { error: 'max_results must be at most 50 (the API returns at most 50 times per search)' })
    .default(10)
    .describe('How many times to return, 1–50.'),
});

const slotSchema = z.object({
  start: z.string(),
  end: z.string(),
  weekday: z.string(),
  provider: z.string().optional(),
  provider_id: z.string().optional(),
  operatory: z.string().optional(),
  operatory_id: z.string().optional(),
});

const outputSchema = z.object({
  practice: z.string(),
  timezone: z.string(),
  duration_minutes: z.number(),
  start_date: z.string(),
  end_date: z.string(),
  searched: z.string(),
  slots: z.array(slotSchema),
  more_available: z.boolean(),
  suggestions: z.array(z.object({ change: z.string(), earliest: z.string() })),
  notes: z.array(z.string()),
});

type Input = z.infer<typeof inputSchema>;
type Output = z.infer<typeof outputSchema>;
type SlotOut = z.infer<typeof slotSchema>;

interface SearchPlan {
  durationMinutes: number;
  range: { from: string; to: string };
  windows: StartWindow[];
  providers: Provider[];
  operatories: Operatory[];
  maxResults: number;
}

export const findSpot: ToolDefinition<typeof inputSchema, typeof outputSchema> = {
  name: 'find_spot',
  toolset: 'scheduling',
  title: 'Find open appointment times',
  description:
    'Finds the next open appointment times at the practice, e.g. "next 60-minute crown prep with Dr. Dana, mornings only". Respects the practice\'s schedule, blockouts, closed days, chairs and existing bookings; times are in the practice\'s time zone.',
  inputSchema,
  outputSchema,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  requiredScopes: ['scheduling:read'],
  writes: false,
  operations: [
    'scheduling.findSpot',
    'scheduling.appointmentList',
    'providers.list',
    'operatories.list',
    'operatories.retrieve',
    'scheduling.daySheet',
  ],
  example: {
    question: 'Any 60-minute openings in the mornings this week?',
    answer:
      '3 open times at Sunset Smiles Dental for a 60-minute visit, starting any day until 11:59, 2026-12-06 to 2027-01-05 (America/Los_Angeles; each visit lasts 60 min).\n- Thu 2026-12-10 (UTC-08:00) · Dr. Maya Chen · Operatory 1: 09:30\n- Fri 2026-12-11 (UTC-08:00) · Priya Patel · Hygiene 1: 08:00, 08:15\nMore times exist: narrow the dates or raise max_results.',
  },
  async handler(context, args) {
    const zone = context.practice.timezone;
    const today = todayIn(zone, context.now());
    const notes: string[] = [];

    // Everything that can be checked without the API is checked first: a bad request costs no upstream call.
    const range = checkRange(args, today, notes);
    const windows = checkWindows(args);
    if (args.duration_minutes === undefined && args.appointment_type === undefined) {
      throw new ToolInputError(
        'Say how long the visit is: give duration_minutes (e.g. 60) or appointment_type (e.g. "Crown Prep").',
      );
    }

    let durationMinutes = args.duration_minutes;
    let appointmentType: string | undefined;
    let usualProviderIds: string[] = [];
    if (args.appointment_type !== undefined) {
      const usual = await lengthOfAppointmentType(context, args.appointment_type);
      appointmentType = usual.name;
      usualProviderIds = usual.providerIds;
      if (durationMinutes === undefined) {
        durationMinutes = usual.minutes;
        notes.push(usualLengthNote(usual));
      }
    }
    let [providers, operatories] = await Promise.all([
      resolveProviders(context, args.providers),
      resolveOperatories(context, args.operatories),
    ]);
    if (providers.length === 0 && usualProviderIds.length > 0) {
      // "Next crown prep" means with someone who does crown preps here, not with a hygienist.
      const roster = await context.api.reference.providers(context.practice.id, { signal: context.signal });
      providers = roster.filter((p) => usualProviderIds.includes(p.id) && p.is_active !== false);
      if (providers.length > 0) {
        notes.push(
          `Searched the providers who did visits of ${quoted('appointment type', appointmentType, 80)} recently: ${providers.map(providerText).join(', ')}.`,
        );
      }
    }

    const plan: SearchPlan = {
      durationMinutes: durationMinutes as number,
      range,
      windows,
      providers,
      operatories,
      maxResults: args.max_results,
    };
    const result = await search(context, plan);
    if (result.incomplete && result.slots.length === 0) {
      // "No open times" would be a guess: the API searched other dates than these.
      throw new UnverifiableAnswerError(
        `${result.incomplete}. Open times for this search cannot be found this way; check the schedule in Escape Dental.`,
      );
    }
    notes.push(...result.warnings);
    const names = await nameLookup(context, plan.operatories);
    const slots = result.slots.map((slot) => describeSlot(slot, plan.durationMinutes, zone, names));

    const { suggestions, unchecked } =
      slots.length === 0 ? await relaxations(context, plan, names) : { suggestions: [], unchecked: [] };
    for (const change of unchecked) {
      notes.push(
        `Whether ${change} would have open times could not be checked: Escape Dental did not answer that search.`,
      );
    }
    const structured: Output = {
      practice: context.practice.name,
      timezone: zone,
      duration_minutes: plan.durationMinutes,
      start_date: range.from,
      end_date: range.to,
      searched: describeSearch(plan, appointmentType),
      slots,
      more_available: result.mayHaveMore,
      suggestions,
      notes,
    };
    const partial = result.incomplete
      ? `Partial result: ${result.incomplete}; only the times below fall in the dates asked for, and there may be others.`
      : undefined;
    if (partial) notes.unshift(partial);
    return { structured, summary: summarize(structured, { partial, relaxationsUnchecked: unchecked.length > 0 }) };
  },
};

function checkRange(args: Input, today: string, notes: string[]): { from: string; to: string } {
  const start = checkedDate(args.start_date, 'start_date') ?? today;
  const end = checkedDate(args.end_date, 'end_date') ?? addDays(start, DEFAULT_SPAN_DAYS);
  if (end < start) {
    throw new ToolInputError(`end_date ${end} is before start_date ${start}. Swap them or pick a later end date.`);
  }
  if (diffDays(start, end) > MAX_SPAN_DAYS) {
    throw new ToolInputError(
      `The search spans ${diffDays(start, end)} days; the slot finder covers at most ${MAX_SPAN_DAYS} days after start_date. Narrow the dates, or search again from ${addDays(start, MAX_SPAN_DAYS + 1)}.`,
    );
  }
  if (end < today) {
    throw new ToolInputError(
      `The dates ${start} to ${end} are in the past (today is ${today} at the practice). Search from today on.`,
    );
  }
  if (start < today) {
    notes.push(`Searched from today (${today}); earlier dates cannot have open times.`);
    return { from: today, to: end };
  }
  return { from: start, to: end };
}

function checkWindows(args: Input): StartWindow[] {
  let windows: StartWindow[] = args.when ? parseTimeOfDay(args.when).windows : [];
  if (args.days_of_week) {
    const days = args.days_of_week.map((d) => WEEKDAYS.indexOf(d)).sort((a, b) => a - b);
    if (windows.length === 0) windows = [{ days, earliest: null, latest: null }];
    windows = windows.map((w) => ({ ...w, days: w.days ? w.days.filter((d) => days.includes(d)) : days }));
    if (windows.some((w) => w.days?.length === 0)) {
      throw new ToolInputError(
        'days_of_week and the days in "when" do not overlap, so nothing could match. Drop one of them.',
      );
    }
  }
  return windows;
}

async function search(context: ToolContext, plan: SearchPlan): Promise<FindSpotResult> {
  const result = await context.api.scheduling.findSpot(
    context.practice.id,
    {
      durationMinutes: plan.durationMinutes,
      range: plan.range,
      windows: plan.windows,
      ...(plan.providers.length ? { providerIds: plan.providers.map((p) => p.id) } : {}),
      ...(plan.operatories.length ? { operatoryIds: plan.operatories.map((o) => o.id) } : {}),
      maxResults: plan.maxResults,
    },
    { signal: context.signal },
  );
  // T1: if the API dropped a provider/chair filter and its answer does not name the provider or
  // chair of each time, the times cannot be presented as that provider's.
  const filtered = plan.providers.length > 0 || plan.operatories.length > 0;
  const unnamed = result.slots.some(
    (s) =>
      (plan.providers.length > 0 && s.providerId === null) || (plan.operatories.length > 0 && s.operatoryId === null),
  );
  if (filtered && unnamed) {
    throw new UnverifiableAnswerError(
      "The Escape Dental API's answer does not say which provider or chair each open time belongs to, so a search for a particular provider or chair cannot be answered reliably. Search without the provider/chair to see the practice's open times.",
    );
  }
  return result;
}

interface NameLookup {
  provider: (id: string | null) => string | undefined;
  operatory: (id: string | null) => string | undefined;
}

// A cached roster is the same array on every hit until the cache reloads it, so its names are
// worked out once per roster rather than on every call.
const PROVIDER_NAMES = new WeakMap<readonly Provider[], ReadonlyMap<string, string>>();
const OPERATORY_NAMES = new WeakMap<readonly Operatory[], ReadonlyMap<string, string>>();

function namesById<T extends { id: string }>(
  known: WeakMap<readonly T[], ReadonlyMap<string, string>>,
  rows: readonly T[],
  nameOf: (row: T) => string,
): ReadonlyMap<string, string> {
  let names = known.get(rows);
  if (!names) {
    names = new Map(rows.map((row) => [row.id, nameOf(row)]));
    known.set(rows, names);
  }
  return names;
}

/** Names for the times' providers and chairs; `searched` are chairs resolved beyond the cached list. */
async function nameLookup(context: ToolContext, searched: readonly Operatory[] = []): Promise<NameLookup> {
  const [providers, operatories] = await Promise.all([
    context.api.reference.providers(context.practice.id, { signal: context.signal }),
    context.api.reference.operatories(context.practice.id, { signal: context.signal }),
  ]);
  const byProvider = namesById(PROVIDER_NAMES, providers, providerName);
  const listed = namesById(OPERATORY_NAMES, operatories, operatoryName);
  const byOperatory =
    searched.length === 0 ? listed : new Map([...listed, ...searched.map((o) => [o.id, operatoryName(o)] as const)]);
  return {
    provider: (id) => (id ? (byProvider.get(id) ?? 'unknown provider') : undefined),
    operatory: (id) => (id ? (byOperatory.get(id) ?? 'unknown chair') : undefined),
  };
}

function describeSlot(slot: Slot, durationMinutes: number, zone: string, names: NameLookup): SlotOut {
  const startMs = slot.startMs;
  const start = slot.zone === zone ? slot.start : toPracticeIso(startMs, zone);
  // The end is the start plus the visit's length in elapsed time: across a DST change it carries
  // the new offset (toPracticeIso works the offset out for its own instant).
  const end = toPracticeIso(startMs + durationMinutes * 60_000, zone);
  const provider = names.provider(slot.providerId);
  const operatory = names.operatory(slot.operatoryId);
  return {
    start,
    end,
    weekday: WEEKDAY_LABELS[instantToIsoWeekday(startMs, zone) - 1] as string,
    ...(provider && slot.providerId ? { provider, provider_id: slot.providerId } : {}),
    ...(operatory && slot.operatoryId ? { operatory, operatory_id: slot.operatoryId } : {}),
  };
}

/** "60-minute visit of appointment type «Crown Prep», with Dr. Dana Synthetic, in Op 1, starting Tue/Thu from 15:00, …". */
function describeSearch(plan: SearchPlan, appointmentType: string | undefined): string {
  const type = quoted('of appointment type', appointmentType, 80);
  const parts = [`${plan.durationMinutes}-minute visit${type ? ` ${type}` : ''}`];
  if (plan.providers.length) parts.push(`with ${plan.providers.map(providerText).join(' or ')}`);
  if (plan.operatories.length) parts.push(`in ${plan.operatories.map(operatoryText).join(' or ')}`);
  if (plan.windows.length) {
    const windows = plan.windows.map((w) => {
      const days = w.days ? w.days.map((d) => WEEKDAY_LABELS[d]).join('/') : 'any day';
      const from = w.earliest ? ` from ${w.earliest}` : '';
      const until = w.latest ? ` until ${w.latest}` : '';
      return `${days}${from}${until}`;
    });
    parts.push(`starting ${windows.join(' or ')}`);
  }
  parts.push(`${plan.range.from} to ${plan.range.to}`);
  return parts.join(', ');
}

/**
 * When nothing fits: the nearest relaxations that do have a time, each searched for its earliest
 * one; `unchecked` names those whose search the API did not answer for the dates asked.
 */
async function relaxations(
  context: ToolContext,
  plan: SearchPlan,
  names: NameLookup,
): Promise<{ suggestions: Output['suggestions']; unchecked: string[] }> {
  const candidates: { change: string; plan: SearchPlan }[] = [];
  if (plan.windows.length > 0) candidates.push({ change: 'any day and time of day', plan: { ...plan, windows: [] } });
  if (plan.providers.length > 0 || plan.operatories.length > 0) {
    candidates.push({ change: 'any provider and chair', plan: { ...plan, providers: [], operatories: [] } });
  }
  const laterFrom = addDays(plan.range.to, 1);
  candidates.push({
    change: `dates after ${plan.range.to}`,
    plan: { ...plan, range: { from: laterFrom, to: addDays(laterFrom, DEFAULT_SPAN_DAYS) } },
  });
  const unchecked: string[] = [];
  const found = await Promise.all(
    candidates.map(async (candidate) => {
      const result = await search(context, { ...candidate.plan, maxResults: 1 });
      const first = result.slots[0];
      if (!first && result.incomplete) unchecked.push(candidate.change);
      return first
        ? {
            change: candidate.change,
            earliest: slotLine(
              describeSlot(first, plan.durationMinutes, context.practice.timezone, names),
              whoAndWhereOnce(),
            ),
          }
        : undefined;
    }),
  );
  return { suggestions: found.filter((s): s is NonNullable<typeof s> => s !== undefined), unchecked };
}

function slotLine(slot: SlotOut, whoAndWhere: (slot: SlotOut) => string): string {
  return `${slot.weekday} ${slot.start.slice(0, 10)} ${slot.start.slice(11, 16)}–${slot.end.slice(11, 16)} (UTC${slot.start.slice(19)}) · ${whoAndWhere(slot)}`;
}

/**
 * "Dr. Dana Synthetic · Op 1": the names as a tool's text shows them (free-text.ts). Each distinct
 * name is cleaned once per answer, since a list of times repeats the same few providers and chairs.
 */
function whoAndWhereOnce(): (slot: SlotOut) => string {
  const people = new Map<string | undefined, string>();
  const places = new Map<string | undefined, string>();
  return (slot) => {
    let who = people.get(slot.provider);
    if (who === undefined) {
      who = shownName(slot.provider) ?? 'any provider';
      people.set(slot.provider, who);
    }
    let where = places.get(slot.operatory);
    if (where === undefined) {
      where = shownPlace(slot.operatory) ?? 'any chair';
      places.set(slot.operatory, where);
    }
    return `${who} · ${where}`;
  };
}

function summarize(output: Output, state: { partial: string | undefined; relaxationsUnchecked: boolean }): string {
  const count = output.slots.length;
  const lines = [
    ...(state.partial ? [state.partial] : []),
    `${count === 0 ? 'No' : count} open time${count === 1 ? '' : 's'} at ${shownPlace(output.practice)} for a ${output.searched} (${output.timezone}; each visit lasts ${output.duration_minutes} min).`,
  ];
  // One line per day and provider/chair: "Wed 2026-12-09 (UTC-08:00) · Dr. Maya Chen · Operatory 1: 08:00, 08:15".
  const groups = new Map<string, string[]>();
  const whoAndWhere = whoAndWhereOnce();
  for (const slot of output.slots) {
    const key = `${slot.weekday} ${slot.start.slice(0, 10)} (UTC${slot.start.slice(19)}) · ${whoAndWhere(slot)}`;
    const times = groups.get(key);
    if (times) times.push(slot.start.slice(11, 16));
    else groups.set(key, [slot.start.slice(11, 16)]);
  }
  for (const [key, times] of groups) lines.push(`- ${key}: ${times.join(', ')}`);
  if (output.more_available && !state.partial) lines.push('More times exist: narrow the dates or raise max_results.');
  for (const suggestion of output.suggestions)
    lines.push(`With ${suggestion.change}: earliest ${suggestion.earliest}.`);
  if (count === 0 && output.suggestions.length === 0 && !state.relaxationsUnchecked) {
    lines.push('Relaxing the time of day, the provider or the dates found nothing either.');
  }
  for (const note of output.notes) if (note !== state.partial) lines.push(`Note: ${note}`);
  return lines.join('\n');
}
