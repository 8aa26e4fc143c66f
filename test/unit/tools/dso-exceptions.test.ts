/** The DSO exception rule: flag on 2+ KPIs off now, or one KPI off in each of three periods. */
import { describe, expect, it } from 'vitest';
import { exceptionReasons } from '../../../src/tools/reports/dso-overview.js';

describe('dso_overview exception rule', () => {
  it('does not flag one KPI off now only, nor one off for two periods, nor off earlier but not now', () => {
    expect(exceptionReasons([['no_show_rate'], [], []])).toEqual([]);
    expect(exceptionReasons([['production'], ['production'], []])).toEqual([]);
    expect(exceptionReasons([[], ['production'], ['production']])).toEqual([]);
    expect(exceptionReasons([['production'], ['case_acceptance'], ['no_show_rate']])).toEqual([]);
  });

  it('flags two KPIs off now, and one KPI off three periods running', () => {
    expect(exceptionReasons([['no_show_rate', 'case_acceptance'], [], []])).toEqual([
      '2 KPIs off goal now: no_show_rate, case_acceptance',
    ]);
    expect(exceptionReasons([['production'], ['production', 'no_show_rate'], ['production']])).toEqual([
      'production off goal 3 periods running',
    ]);
  });
});
