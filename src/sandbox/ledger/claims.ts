/** Claims (§15.9): the summary, the list filters and the transition rule. */
import { type Cents, CLAIM_STATUSES, type Claim, type ClaimStatus, type Uuid } from '../model.js';
import { dayNumber } from './dates.js';
import { type LedgerFlags, OUTSTANDING_CLAIM_STATUSES, STRICT_CLAIM_TRANSITIONS } from './flags.js';
import { type LedgerIndex, memo } from './ledger-index.js';

export interface ClaimStatusTotals {
  count: number;
  totalFee: Cents;
  totalPaid: Cents;
}

export interface ClaimsSummary {
  byStatus: Record<ClaimStatus, ClaimStatusTotals>;
  totals: ClaimStatusTotals & { outstanding: Cents };
}

/** All-time, all statuses (the endpoint has no filters, T31). */
export function claimsSummary(claims: readonly Claim[]): ClaimsSummary {
  const byStatus = Object.fromEntries(
    CLAIM_STATUSES.map((s) => [s, { count: 0, totalFee: 0, totalPaid: 0 }]),
  ) as Record<ClaimStatus, ClaimStatusTotals>;
  const totals = { count: 0, totalFee: 0, totalPaid: 0, outstanding: 0 };
  for (const c of claims) {
    const row = byStatus[c.status];
    row.count += 1;
    row.totalFee += c.claimFeeCents;
    row.totalPaid += c.insPayAmtCents;
    totals.count += 1;
    totals.totalFee += c.claimFeeCents;
    totals.totalPaid += c.insPayAmtCents;
    if (OUTSTANDING_CLAIM_STATUSES.includes(c.status)) {
      totals.outstanding += c.claimFeeCents - c.insPayAmtCents - c.writeOffCents;
    }
  }
  return { byStatus, totals };
}

export interface ClaimListQuery {
  status?: ClaimStatus | null;
  provider?: Uuid | null;
  patient?: Uuid | null;
  search?: string | null;
  dateFrom?: string | null;
  dateTo?: string | null;
}

/** The claim list's filters; rows ordered by date_service desc, then created desc, then id. */
export function filterClaims(ix: LedgerIndex, q: ClaimListQuery, flags: LedgerFlags): Claim[] {
  const { data } = ix;
  const needle = q.search?.trim().toLowerCase() ?? '';
  const fromDay = q.dateFrom ? dayNumber(q.dateFrom) : null;
  const toDay = q.dateTo ? dayNumber(q.dateTo) : null;
  const out: Claim[] = [];
  for (const pos of sortedClaimPositions(ix)) {
    const c = data.claims[pos] as Claim;
    if (q.status && c.status !== q.status) continue;
    if (q.provider && c.providerId !== q.provider) continue;
    if (q.patient && c.patientId !== q.patient) continue;
    if (needle) {
      const patientPos = ix.patientPos.get(c.patientId);
      const p = patientPos === undefined ? undefined : data.patients[patientPos];
      if (!p) continue;
      const names = [p.firstName, p.lastName, p.preferredName, `${p.firstName} ${p.lastName}`];
      if (!names.some((n) => n.toLowerCase().includes(needle))) continue;
    }
    if (fromDay !== null || toDay !== null) {
      const day = claimDateDay(ix, c, pos, flags);
      if (day === null) continue;
      if (fromDay !== null && day < fromDay) continue;
      if (toDay !== null && day > toDay) continue;
    }
    out.push(c);
  }
  return out;
}

/** Claim positions in list order (date_service desc, created desc, id), sorted once per index. */
function sortedClaimPositions(ix: LedgerIndex): readonly number[] {
  return memo(ix, 'claimsSorted', () =>
    ix.data.claims
      .map((_, i) => i)
      .sort((x, y) => compareClaims(ix.data.claims[x] as Claim, ix.data.claims[y] as Claim)),
  );
}

function claimDateDay(ix: LedgerIndex, c: Claim, pos: number, flags: LedgerFlags): number | null {
  if (flags.claimDateField === 'created') return ix.claimCreatedDay(pos);
  const date = flags.claimDateField === 'date_sent' ? c.dateSent : c.dateService;
  return date ? dayNumber(date) : null;
}

/** Code-point order: deterministic and far cheaper than `localeCompare` in hot sorts. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareClaims(a: Claim, b: Claim): number {
  const da = a.dateService ?? '';
  const db = b.dateService ?? '';
  if (da !== db) return da < db ? 1 : -1;
  return b.createdMs - a.createdMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Whether `from → to` is allowed under CLAIM_TRANSITIONS (the spec documents no graph, T10). */
export function canTransition(from: ClaimStatus, to: ClaimStatus, flags: LedgerFlags): boolean {
  if (flags.claimTransitions === 'permissive') return true;
  const allowed = STRICT_CLAIM_TRANSITIONS[from];
  return allowed === 'any' || allowed.includes(to);
}

/** L16016: "Only draft or imported claims may be edited." */
export function isEditableClaim(c: Claim): boolean {
  return c.status === 'draft' || c.status === 'imported';
}

export function isClaimStatus(value: unknown): value is ClaimStatus {
  return typeof value === 'string' && (CLAIM_STATUSES as readonly string[]).includes(value);
}

/** One patient's claims in list order. */
export function claimsOf(ix: LedgerIndex, patientId: Uuid): Claim[] {
  return (ix.byPatient.get(patientId)?.claims ?? []).map((pos) => ix.data.claims[pos] as Claim).sort(compareClaims);
}
