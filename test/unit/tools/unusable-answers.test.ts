import { describe, expect, it } from 'vitest';
import { describeShape, UnrecognizedShape, UnusableUpstreamValue } from '../../../src/api/errors.js';
import type { ClaimListResult, ProductionReport, ProductionTrending } from '../../../src/api/port.js';
import { scopeFor } from '../../../src/tenancy/practice.js';
import { type InvokeDependencies, invokeTool } from '../../../src/tools/framework/invoke.js';
import { claimsSummary } from '../../../src/tools/insurance/claims-summary.js';
import { productionReport } from '../../../src/tools/reports/production-report.js';
import { type FakeApiParts, fakeApi } from '../../helpers/fake-api.js';
import { invokeDeps } from './invoke-deps.js';

const PRACTICE = { id: '11111111-1111-4111-8111-111111111111', name: 'Alpha Dental', timezone: 'America/Los_Angeles' };

function setup(api: FakeApiParts): { deps: InvokeDependencies; logs: () => Record<string, unknown>[] } {
  const deps = invokeDeps(scopeFor([PRACTICE]), { api: fakeApi(api) });
  return { deps, logs: () => deps.logs().map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const report: ProductionReport = {
  range: { from: '2026-11-01', to: '2026-11-22' },
  requestedRange: { from: '2026-11-01', to: '2026-11-22' },
  summary: {
    totalProduction: '125.00',
    totalCollections: '50.00',
    totalAdjustments: '0.00',
    netProduction: '125.00',
    procedureCount: 1,
  },
  byProvider: [],
  byProcedure: [],
  warnings: [],
};

describe('unusable upstream answers in tool text', () => {
  it('an unrecognised shape: the refusal names the endpoint; the log has the shape and no value', async () => {
    const body = { spots: [{ begins: '2026-11-24T09:00:00-08:00', patient: 'Jane Example' }] };
    const { deps, logs } = setup({
      billing: {
        productionReport: async () => {
          throw new UnrecognizedShape('GET …/billing/reports/production/', describeShape(body), {
            operation: 'billing.production',
          });
        },
      },
    });
    const outcome = await invokeTool(productionReport, { start_date: '2026-11-01', end_date: '2026-11-22' }, deps);
    expect(outcome.kind === 'error' && outcome.text).toMatch(
      /^Escape Dental answered in a shape this server does not understand \(endpoint GET …\/billing\/reports\/production\/\)/,
    );
    const warn = logs().find((l) => l.msg === 'Escape Dental answered in a shape this server does not read');
    expect(warn).toMatchObject({
      operation: 'billing.production',
      shape: { '<key>': { array: 1, of: [{ '<key>': 'string:datetime', patient: 'string:text' }] } },
    });
    expect(JSON.stringify(logs())).not.toMatch(/Jane|2026-11-24T09/);
    expect(logs().find((l) => l.audit)).toMatchObject({ outcome: 'upstream_unrecognized_shape' });
  });

  const unusableFee = (id: string) =>
    new UnusableUpstreamValue('claim_fee', `claim ${id}`, 'string', { operation: 'insurance.claimList' });

  it('claims left out for unusable values: the headline says the figures are incomplete', async () => {
    const list = (status: string): ClaimListResult => ({
      claims:
        status === 'paid'
          ? [{ id: 'c1', status: 'paid', claim_fee: '100.00', ins_pay_amt: '100.00', write_off: '0.00' }]
          : [],
      count: undefined,
      truncated: false,
      warnings: [],
      skipped:
        status === 'paid'
          ? [
              { id: 'c2', reason: unusableFee('c2') },
              { id: 'c3', reason: unusableFee('c3') },
            ]
          : [],
    });
    const { deps } = setup({
      reference: { patientInsuranceCarriers: async () => new Map() },
      insurance: {
        listClaims: async (_p: string, params?: { status?: string }) => list(params?.status ?? ''),
      },
    });
    const outcome = await invokeTool(claimsSummary, { statuses: ['paid'] }, deps);
    expect(outcome.kind).toBe('ok');
    const text = outcome.kind === 'ok' ? outcome.text : '';
    expect(text.split('\n')[0]).toMatch(
      /1 claims, billed \$100\.00.*Incomplete: 2 claims could not be read and are left out \(see notes\)\./,
    );
    expect(text).toMatch(/Note: 2 claims were left out of these figures: Escape Dental sent an unusable claim_fee/);
  });

  it('one unreadable claim that every status read sent (the filter ignored) is one claim, and fails nothing', async () => {
    const { deps } = setup({
      reference: { patientInsuranceCarriers: async () => new Map() },
      insurance: {
        listClaims: async (_p: string, params?: { status?: string }): Promise<ClaimListResult> => ({
          claims:
            params?.status === 'paid'
              ? [{ id: 'c1', status: 'paid', claim_fee: '100.00', ins_pay_amt: '100.00', write_off: '0.00' }]
              : [],
          count: undefined,
          truncated: false,
          warnings: [],
          skipped: [{ id: 'c9', reason: unusableFee('c9') }],
        }),
      },
    });
    const outcome = await invokeTool(claimsSummary, { statuses: ['paid', 'appealed', 'denied'] }, deps);
    expect(outcome.kind).toBe('ok');
    const text = outcome.kind === 'ok' ? outcome.text : '';
    expect(text.split('\n')[0]).toContain('1 claims, billed $100.00');
    expect(text.split('\n')[0]).toContain('Incomplete: 1 claim could not be read and is left out (see notes).');
    expect(text).toContain(
      'Note: 1 claim was left out of these figures: Escape Dental sent an unusable claim_fee for claim c9.',
    );
  });

  it('no readable claim in any of the lists: refused naming the field, not "0 claims"', async () => {
    const { deps } = setup({
      reference: { patientInsuranceCarriers: async () => new Map() },
      insurance: {
        listClaims: async (): Promise<ClaimListResult> => ({
          claims: [],
          count: undefined,
          truncated: false,
          warnings: [],
          skipped: [{ id: 'c9', reason: unusableFee('c9') }],
        }),
      },
    });
    const outcome = await invokeTool(claimsSummary, { statuses: ['paid', 'appealed'] }, deps);
    expect(outcome.kind === 'error' && outcome.text).toMatch(/^Escape Dental sent an unusable claim_fee for claim c9/);
  });

  it('a trend amount that was not reported is said so, never $0.00 next to the gross', async () => {
    const trending: ProductionTrending = {
      range: report.range,
      requestedRange: report.range,
      bucket: 'week',
      metrics: ['collections'],
      rows: [
        { bucketStart: '2026-11-01', bucketEnd: '2026-11-07', appointmentCount: 2, values: { collections: '5.00' } },
      ],
      totals: {},
      warnings: [],
    };
    const { deps } = setup({
      reference: { providers: async () => [] },
      billing: {
        productionReport: async () => report,
        productionTrending: async () => trending,
      },
    });
    const outcome = await invokeTool(
      productionReport,
      { start_date: '2026-11-01', end_date: '2026-11-22', trend: 'week' },
      deps,
    );
    const text = outcome.kind === 'ok' ? outcome.text : '';
    expect(text).toContain('gross $125.00');
    expect(text).toContain('Trend: 2026-11-01 production not reported.');
    expect(text.split('\n').find((l) => l.startsWith('Trend:'))).not.toContain('$0.00');
  });
});
