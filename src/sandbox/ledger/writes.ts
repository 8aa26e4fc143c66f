/** Ledger rows built from API request bodies: claims (create/update), payments, adjustments. */
import { badRequest, notFound } from '../http/errors.js';
import type {
  Adjustment,
  Claim,
  ClaimProcedure,
  LocalDate,
  Patient,
  Payment,
  PaymentSplit,
  Procedure,
  Uuid,
} from '../model.js';
import type { SandboxStore } from '../store.js';
import type { LedgerIndex } from './ledger-index.js';
import { type Body, bodyDate, bodyMoney, bodyObjects, bodyRef, bodyString, has, nested, requireRef } from './params.js';
import { patientOf } from './render.js';

export function requirePatient(ix: LedgerIndex, patientId: string | undefined): Patient {
  const patient = patientId ? patientOf(ix, patientId) : undefined;
  if (!patient) throw notFound();
  return patient;
}

/** A claim of this patient in this practice, else 404 (cross-tenant ids too). */
export function findClaim(ix: LedgerIndex, patientId: string | undefined, claimId: string | undefined): Claim {
  const patient = requirePatient(ix, patientId);
  const claim = ix.data.claims.find((c) => c.id === claimId && c.patientId === patient.id);
  if (!claim) throw notFound();
  return claim;
}

function procedureOf(ix: LedgerIndex, id: Uuid): Procedure | undefined {
  return ix.data.procedures.find((p) => p.id === id);
}

function claimLine(store: SandboxStore, ix: LedgerIndex, patientId: Uuid, body: Body): ClaimProcedure {
  const procedureId = bodyRef(body, 'procedure', (id) => procedureOf(ix, id)?.patientId === patientId) ?? null;
  const procedure = procedureId ? procedureOf(ix, procedureId) : undefined;
  const codeId = bodyRef(body, 'procedure_code', (id) => store.procedureCodesById.has(id)) ?? null;
  const procCode =
    bodyString(body, 'proc_code', 20) ||
    procedure?.procCode ||
    (codeId ? store.procedureCodesById.get(codeId)?.code : undefined) ||
    '';
  return {
    id: store.newId(),
    procedureId,
    procedureCodeId: codeId ?? procedure?.procedureCodeId ?? store.procedureCodesByCode.get(procCode)?.id ?? null,
    procCode,
    feeBilledCents: bodyMoney(body, 'fee_billed') ?? procedure?.procFeeCents ?? 0,
    insPayEstCents: bodyMoney(body, 'ins_pay_est') ?? 0,
    insPayAmtCents: 0, // ClaimProcedureWriteRequest has no ins_pay_amt (§2.4)
    dedAppliedCents: bodyMoney(body, 'ded_applied') ?? 0,
    writeOffCents: bodyMoney(body, 'write_off') ?? 0,
    status: '',
    procDate: procedure?.procDate ?? null,
  };
}

/**
 * A claim from a create (existing = null: status draft, empty log, §15.9) or update body
 * (existing: only the fields present change; `procedures`, when present, replaces the lines).
 */
export function claimFromBody(
  store: SandboxStore,
  ix: LedgerIndex,
  patientId: Uuid,
  body: Body,
  existing: Claim | null,
  nowMs: number,
): Claim {
  const providerId = bodyRef(body, 'provider', (id) => ix.providerPos.has(id));
  const insuranceId = bodyRef(body, 'patient_insurance', (id) =>
    ix.data.patientInsurance.some((pi) => pi.id === id && pi.patientId === patientId),
  );
  const lineBodies = bodyObjects(body, 'procedures');
  const lines = lineBodies?.map((line, i) =>
    nested('procedures', i, lineBodies.length, () => claimLine(store, ix, patientId, line)),
  );
  const sumOf = (pick: (l: ClaimProcedure) => number) => (lines ?? []).reduce((n, l) => n + pick(l), 0);
  const money = (field: string, current: number | undefined, fromLines: () => number): number =>
    bodyMoney(body, field) ?? (lines && !has(body, field) ? fromLines() : (current ?? 0));
  return {
    id: existing?.id ?? store.newId(),
    pk: existing?.pk ?? store.nextPk(),
    createdMs: existing?.createdMs ?? nowMs,
    modifiedMs: nowMs,
    practiceId: ix.data.practice.id,
    patientId,
    providerId: providerId === undefined ? (existing?.providerId ?? null) : providerId,
    patientInsuranceId: insuranceId === undefined ? (existing?.patientInsuranceId ?? null) : insuranceId,
    dateService: bodyDate(body, 'date_service') ?? (has(body, 'date_service') ? null : (existing?.dateService ?? null)),
    dateSent: bodyDate(body, 'date_sent') ?? (has(body, 'date_sent') ? null : (existing?.dateSent ?? null)),
    status: existing?.status ?? 'draft',
    claimStatus: existing?.claimStatus ?? '',
    // claim_fee defaults to Σ fee_billed when the lines are given without it (§15.9, inference).
    claimFeeCents: money('claim_fee', existing?.claimFeeCents, () => sumOf((l) => l.feeBilledCents)),
    insPayEstCents: money('ins_pay_est', existing?.insPayEstCents, () => sumOf((l) => l.insPayEstCents)),
    insPayAmtCents: bodyMoney(body, 'ins_pay_amt') ?? existing?.insPayAmtCents ?? 0,
    dedAppliedCents: money('ded_applied', existing?.dedAppliedCents, () => sumOf((l) => l.dedAppliedCents)),
    writeOffCents: money('write_off', existing?.writeOffCents, () => sumOf((l) => l.writeOffCents)),
    procedures: lines ?? existing?.procedures ?? [],
    statusLog: existing?.statusLog ?? [],
  };
}

/** The payment-method bucket a free-text pay_type falls in (the `method` filter's values). */
export function payMethodOf(payType: string): string {
  const t = payType.toLowerCase();
  if (t.includes('cash')) return 'cash';
  if (/check|cheque/.test(t)) return 'check';
  if (/card|visa|master|amex|american express|discover|debit|credit/.test(t)) return 'card';
  return 'other';
}

export const PAY_METHODS = ['cash', 'check', 'card', 'other'] as const;

function requireMoney(body: Body, field: string): number {
  const cents = bodyMoney(body, field);
  if (cents === undefined) throw badRequest({ [field]: ['This field is required.'] });
  return cents;
}

export function paymentFromBody(
  store: SandboxStore,
  ix: LedgerIndex,
  body: Body,
  today: LocalDate,
  nowMs: number,
  patientId?: Uuid,
): Payment {
  const patient = patientId ?? requireRef(body, 'patient', (id) => ix.patientPos.has(id));
  const payType = bodyString(body, 'pay_type', 100) ?? '';
  const splitBodies = bodyObjects(body, 'splits') ?? [];
  const splits: PaymentSplit[] = splitBodies.map((split, i) =>
    nested('splits', i, splitBodies.length, () => {
      const codeId = bodyRef(split, 'procedure_code', (id) => store.procedureCodesById.has(id)) ?? null;
      return {
        id: store.newId(),
        splitAmountCents: requireMoney(split, 'split_amount'),
        procCode:
          bodyString(split, 'proc_code', 20) || (codeId ? (store.procedureCodesById.get(codeId)?.code ?? '') : ''),
        procedureDate: bodyDate(split, 'procedure_date') ?? null,
      };
    }),
  );
  return {
    id: store.newId(),
    pk: store.nextPk(),
    createdMs: nowMs,
    modifiedMs: nowMs,
    practiceId: ix.data.practice.id,
    patientId: patient,
    providerId: bodyRef(body, 'provider', (id) => ix.providerPos.has(id)) ?? null,
    payDate: bodyDate(body, 'pay_date') ?? today,
    payAmountCents: requireMoney(body, 'pay_amount'),
    payType,
    payMethod: payMethodOf(payType),
    payNote: bodyString(body, 'pay_note') ?? '',
    splits,
  };
}

export function adjustmentFromBody(
  store: SandboxStore,
  ix: LedgerIndex,
  body: Body,
  today: LocalDate,
  nowMs: number,
): Adjustment {
  return {
    id: store.newId(),
    pk: store.nextPk(),
    createdMs: nowMs,
    modifiedMs: nowMs,
    practiceId: ix.data.practice.id,
    patientId: requireRef(body, 'patient', (id) => ix.patientPos.has(id)),
    providerId: bodyRef(body, 'provider', (id) => ix.providerPos.has(id)) ?? null,
    adjDate: bodyDate(body, 'adj_date') ?? today,
    adjAmountCents: requireMoney(body, 'adj_amount'),
    adjType: bodyString(body, 'adj_type', 100) ?? '',
    adjNote: bodyString(body, 'adj_note') ?? '',
  };
}
