/**
 * Where and with whom: the provider and chair rosters (the chair list checked against the day
 * sheet, since a list that leaves chairs out would make "any chair" wrong), the chairs to try,
 * and validate-appointment's issues and the API's refusals in plain words.
 */
import { type BadRequest, Conflict } from '../../../api/errors.js';
import type { Operatory, Provider } from '../../../api/port.js';
import { quoted, shownCode } from '../../../domain/free-text.js';
import { completeChairList, operatoryName, operatoryText, providerName, providerText } from '../shared.js';
import type { ToolContext } from '../types.js';
import type { Start } from './when.js';

export interface Rosters {
  providers: Provider[];
  operatories: Operatory[];
}

export async function rosters(context: ToolContext): Promise<Rosters> {
  const [providers, operatories] = await Promise.all([
    context.api.reference.providers(context.practice.id, { signal: context.signal }),
    context.api.reference.operatories(context.practice.id, { signal: context.signal }),
  ]);
  return { providers, operatories };
}

/** The rosters for writing on `date`, the chair list completed from that day's sheet (completeChairList). */
export async function rostersForDay(context: ToolContext, date: string): Promise<Rosters & { notes: string[] }> {
  const r = await rosters(context);
  const chairs = await completeChairList(context, r.operatories, date);
  return { providers: r.providers, ...chairs };
}

export function providerLabel(r: Rosters, id: string | null | undefined): string | undefined {
  if (!id) return undefined;
  const provider = r.providers.find((p) => p.id === id);
  return provider ? providerName(provider) : 'an unknown provider';
}

export function operatoryLabel(r: Rosters, id: string | null | undefined): string | undefined {
  if (!id) return undefined;
  const operatory = r.operatories.find((o) => o.id === id);
  return operatory ? operatoryName(operatory) : 'an unknown chair';
}

/**
 * Chairs to try for "any chair that fits", most likely first: the provider's own chairs (the
 * roster's default dentist/hygienist), then chairs of the same kind (hygiene or not), then the
 * rest. `first` (the appointment's current chair, when moving) leads.
 */
export function candidateChairs(r: Rosters, provider: Provider, first?: string | null): Operatory[] {
  const hygienist = provider.provider_type === 'hygienist';
  const rank = (o: Operatory): number => {
    if (first && o.id === first) return 0;
    if (o.provider_dentist === provider.id || o.provider_hygienist === provider.id) return 1;
    if (Boolean(o.is_hygiene) === hygienist) return 2;
    return 3;
  };
  return r.operatories
    .filter((o) => o.is_bookable !== false && o.is_hidden !== true)
    .map((o, i) => ({ o, i }))
    .sort((a, b) => rank(a.o) - rank(b.o) || (a.o.sort_order ?? 0) - (b.o.sort_order ?? 0) || a.i - b.i)
    .map(({ o }) => o);
}

// ---------------------------------------------------------------------------------------------
// Validation (validate-appointment, §4.2): its issues in plain words

export type SlotCheck = { ok: true; operatory: Operatory; warnings: string[] } | { ok: false; reasons: string[] };

export async function checkSlot(
  context: ToolContext,
  proposal: {
    start: Start;
    durationMinutes: number;
    provider: Provider;
    chairs: readonly Operatory[];
    excludeAppointment?: string;
  },
): Promise<SlotCheck> {
  const results = await Promise.all(
    proposal.chairs.map(async (chair) => ({
      chair,
      result: await context.api.scheduling.validateAppointment(
        context.practice.id,
        {
          date_time: proposal.start.iso,
          duration_minutes: proposal.durationMinutes,
          provider: proposal.provider.id,
          operatory: chair.id,
          ...(proposal.excludeAppointment ? { exclude_appointment: proposal.excludeAppointment } : {}),
        },
        { signal: context.signal },
      ),
    })),
  );
  const who = providerText(proposal.provider);
  const fit = results.find((r) => r.result.valid);
  if (fit) {
    const warnings = fit.result.issues
      .filter((i) => i.severity === 'warning')
      .map((i) =>
        plainIssue({ code: i.code, messages: i.message ? [i.message] : [] }, who, [operatoryText(fit.chair)]),
      );
    return { ok: true, operatory: fit.chair, warnings };
  }
  // Grouped by kind across the chairs tried: "every chair is already booked then", not one
  // line per chair.
  const groups = groupByKind(
    results.flatMap(({ chair, result }) => {
      const blocking = result.issues.filter((i) => i.severity !== 'warning');
      return (blocking.length > 0 ? blocking : [{ code: null, message: null }]).map((issue) => ({
        ...issue,
        chair: operatoryText(chair),
      }));
    }),
  );
  const everyChair = (chairs: string[]) => proposal.chairs.length > 1 && chairs.length === proposal.chairs.length;
  const reasons = groups.map((group) =>
    plainIssue(group, who, everyChair(group.chairs) ? 'every chair' : group.chairs),
  );
  return { ok: false, reasons: reasons.slice(0, 6) };
}

/**
 * Issues of one kind together. One chair can hold several issues of a kind (two appointments
 * overlapping the time): each chair is named once and every distinct message of the API kept.
 */
function groupByKind(
  issues: readonly { code?: string | null; message?: string | null; chair?: string }[],
): { code: string | null; messages: string[]; chairs: string[] }[] {
  const groups = new Map<string, { code: string | null; messages: Set<string>; chairs: Set<string> }>();
  for (const issue of issues) {
    const key = issue.code ?? `message:${issue.message ?? ''}`;
    let group = groups.get(key);
    if (!group) {
      group = { code: issue.code ?? null, messages: new Set(), chairs: new Set() };
      groups.set(key, group);
    }
    if (issue.message) group.messages.add(issue.message);
    if (issue.chair) group.chairs.add(issue.chair);
  }
  return [...groups.values()].map((g) => ({ code: g.code, messages: [...g.messages], chairs: [...g.chairs] }));
}

/**
 * Issues of one kind from validate-appointment (or a 409 body) in plain words, followed by the
 * API's own text, quoted (at most three messages). `provider` and `chairs` are names as a tool's
 * text shows them; `chairs` may be 'every chair' tried.
 */
function plainIssue(
  issue: { code: string | null; messages: readonly string[] },
  provider: string,
  chairs: readonly string[] | 'every chair',
): string {
  const said = issue.messages
    .slice(0, 3)
    .map((m) => quoted('', m, 200))
    .filter((m): m is string => !!m)
    .join('; ');
  const all = chairs === 'every chair';
  const list = all ? '' : chairs.join(', ');
  const plain = (() => {
    switch (issue.code) {
      case 'operatory_conflict':
        if (all) return 'every chair is already booked then';
        return `${list || 'the chair'} ${chairs.length > 1 ? 'are' : 'is'} already booked then`;
      case 'provider_conflict':
        return `${provider} already has an appointment then`;
      case 'outside_hours':
        return `it is outside the working hours of ${provider}${list ? ` in ${list}` : ''}`;
      case 'blocked':
        return `it falls in blocked time${list && !all ? ` (${list})` : ''}`;
      case 'closed':
        return 'the practice is closed that day';
      case 'dst_gap':
        return 'that time does not exist (the clocks jump forward that night)';
      case 'in_past':
        return 'it is in the past';
      default:
        return undefined;
    }
  })();
  if (plain && said) return `${plain} (Escape Dental says ${said})`;
  return (
    plain ??
    (said
      ? `Escape Dental says ${said}`
      : `Escape Dental refused it (${shownCode('code', issue.code) ?? 'no reason given'})`)
  );
}

/** A 409/400 from a write, in plain words (the body's conflicts or field errors). */
export function refusalReasons(error: Conflict | BadRequest, provider: string, chair: string | undefined): string[] {
  if (error instanceof Conflict) {
    const reasons = groupByKind(error.conflicts).map((group) => plainIssue(group, provider, chair ? [chair] : []));
    return reasons.length > 0 ? reasons : ['it conflicts with another booking'];
  }
  const reasons = error.fieldErrors.flatMap((f) =>
    f.messages.map((message) => `Escape Dental says ${quoted('', message, 200) ?? '(no message)'}`),
  );
  return reasons.length > 0 ? reasons : ['Escape Dental refused it as invalid'];
}
