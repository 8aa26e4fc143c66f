/**
 * Two log paths that carry what Escape Dental sent: an amount of money no reader checked first
 * (logged as an unexpected error) and the shape of an answer this server does not read. Neither
 * may put a value from the practice's data in the log: not the amount as sent, not a map's keys.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BadRequest, describeShape } from '../../src/api/errors.js';
import type { ClaimListResult } from '../../src/api/port.js';
import { createLogger } from '../../src/logger.js';
import { scopeFor } from '../../src/tenancy/practice.js';
import { invokeTool } from '../../src/tools/framework/invoke.js';
import { claimsSummary } from '../../src/tools/insurance/claims-summary.js';
import { fakeApi } from '../helpers/fake-api.js';
import { invokeDeps } from '../unit/tools/invoke-deps.js';

const PRACTICE = { id: '11111111-1111-4111-8111-111111111111', name: 'Alpha Dental', timezone: 'America/Los_Angeles' };

describe('upstream values in error logs', () => {
  it('an unparseable amount no reader checked: the log has the error, not the value sent', async () => {
    // A claim that reached a sum without the list's check (a fake port): its billed amount is a name.
    const list: ClaimListResult = {
      claims: [
        { id: 'c1', status: 'paid', claim_fee: 'Jane Example 555-0143', ins_pay_amt: '0.00', write_off: '0.00' },
      ],
      count: 1,
      truncated: false,
      warnings: [],
      skipped: [],
    };
    const deps = invokeDeps(scopeFor([PRACTICE]), {
      api: fakeApi({
        reference: { patientInsuranceCarriers: async () => new Map() },
        insurance: { listClaims: async () => list },
      }),
    });
    const outcome = await invokeTool(claimsSummary, { statuses: ['paid'] }, deps);
    expect(outcome.kind === 'error' && outcome.text).toMatch(/^Escape Dental sent an unusable amount of money/);
    const logs = deps.logs().join('\n');
    expect(logs).toContain('tool call failed unexpectedly');
    expect(logs).toContain('MoneyParseError');
    expect(logs).not.toMatch(/Jane|555-0143/);
  });

  it('a 400 logged as an error names the fields Escape Dental refused, not its messages (which may echo a name)', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ level: 'info', destination });
    const error = new BadRequest([
      { field: 'patient', messages: ['Jane Example (born 1969-08-16) is not a patient of this practice.'] },
      { field: 'detail', messages: ['Call 555-0143 to confirm.'] },
    ]);
    logger.warn({ err: error }, 'aging job not cancelled upstream');
    const logged = lines.join('');
    expect(logged).toContain('BadRequest');
    expect(logged).toContain('patient');
    expect(logged).not.toMatch(/Jane|1969-08-16|555-0143/);
  });

  it('a logged shape keeps spec field names and dates as keys; any other key (a first name) is replaced', () => {
    const body = {
      by_status: { paid: { count: 2, total_fee: '10.00' } },
      Jane: { count: 1, total_fee: '5.00' },
      arjun: [{ claim_fee: '1.00' }],
      '2026-11-24': { date_time: '2026-11-24T09:00:00-08:00' },
    };
    const shape = JSON.stringify(describeShape(body));
    expect(shape).not.toMatch(/Jane|arjun|paid"/);
    expect(describeShape(body)).toEqual({
      by_status: { '<key>': { count: 'number', total_fee: 'string:decimal' } },
      '<key>': { count: 'number', total_fee: 'string:decimal' },
      '<key>#2': { array: 1, of: [{ claim_fee: 'string:decimal' }] },
      '2026-11-24': { date_time: 'string:datetime' },
    });
  });
});
