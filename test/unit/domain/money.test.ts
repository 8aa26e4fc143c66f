import Big from 'big.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareMoney,
  formatMoney,
  isMoneyString,
  MoneyParseError,
  moneyEquals,
  parseMoney,
  parseMoneyOrNull,
  percent,
  subtractMoney,
  sumMoney,
  sumMoneyString,
} from '../../../src/domain/money.js';

describe('money', () => {
  it('tolerates the shapes the API sends (C-T1)', () => {
    expect(formatMoney(parseMoney('0'))).toBe('0.00');
    expect(formatMoney(parseMoney('0.0'))).toBe('0.00');
    expect(formatMoney(parseMoney(null))).toBe('0.00');
    expect(formatMoney(parseMoney(undefined))).toBe('0.00');
    expect(formatMoney(parseMoney(''))).toBe('0.00');
    expect(formatMoney(parseMoney('1,035.5'))).toBe('1035.50');
    expect(formatMoney(parseMoney('-20.00'))).toBe('-20.00');
    expect(formatMoney(parseMoney(12.5))).toBe('12.50');
    expect(parseMoneyOrNull(null)).toBeNull();
    expect(parseMoneyOrNull('')).toBeNull();
  });

  it('reads an explicit plus sign, which big.js itself refuses with its own raw error', () => {
    expect(formatMoney(parseMoney('+1.00'))).toBe('1.00');
    expect(formatMoney(parseMoney(' +1,035.5 '))).toBe('1035.50');
    expect(formatMoney(parseMoney('+.5'))).toBe('0.50');
    expect(() => parseMoney('+-1')).toThrow(MoneyParseError);
  });

  it('rejects non-amounts instead of reading them as zero', () => {
    for (const bad of ['abc', '1.2.3', '$5', '--1', {}, [], true, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => parseMoney(bad)).toThrow(MoneyParseError);
    }
  });

  it('sums exactly where floats would drift', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(sumMoneyString(['0.10', '0.20'])).toBe('0.30');
    const many = Array.from({ length: 1000 }, () => '0.01');
    expect(sumMoneyString(many)).toBe('10.00');
    expect(sumMoneyString(['1035.00', '-20.00', null, '0', undefined])).toBe('1015.00');
    expect(formatMoney(subtractMoney('100.00', '33.33'))).toBe('66.67');
  });

  it('rounds half away from zero to 2 dp', () => {
    expect(formatMoney('1.005')).toBe('1.01');
    expect(formatMoney('1.004')).toBe('1.00');
    expect(formatMoney('-1.005')).toBe('-1.01');
    expect(formatMoney('2.675')).toBe('2.68'); // 2.675 is 2.67499… as a float
    expect(formatMoney('-0.001')).toBe('0.00');
  });

  it('computes percentages with a safe zero denominator', () => {
    expect(percent('1', '3')).toBe('33.33');
    expect(percent('2', '3')).toBe('66.67');
    expect(percent('50', '0')).toBe('0.00');
    expect(percent('50', '0', { onZero: null })).toBeNull();
    expect(percent('1', '8', { dp: 1 })).toBe('12.5');
    expect(percent('-1', '3')).toBe('-33.33');
  });

  it('compares', () => {
    expect(moneyEquals('1.0', '1.00')).toBe(true);
    expect(compareMoney('2', '10')).toBe(-1);
    expect(isMoneyString('123.45')).toBe(true);
    expect(isMoneyString('-0.5')).toBe(true);
    expect(isMoneyString('1.234')).toBe(false);
    expect(isMoneyString('')).toBe(false);
  });

  it('sums are order-independent and match integer-cent arithmetic', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -10_000_000, max: 10_000_000 }), { maxLength: 50 }), (cents) => {
        const strings = cents.map((c) => (c / 100).toFixed(2));
        const expected = cents.reduce((a, b) => a + b, 0);
        const sum = sumMoney(strings);
        const reversed = sumMoney([...strings].reverse());
        return sum.eq(reversed) && sum.times(100).eq(expected);
      }),
    );
  });
});

describe('money: canonical amounts read without re-parsing give what big.js gives', () => {
  const canonical = fc.tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 16n })).map(([negative, cents]) => {
    const digits = cents.toString().padStart(3, '0');
    return `${negative ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
  });
  const anyAmount = fc.oneof(
    canonical,
    fc.constantFrom('-0.00', '0.00', '00.50', ' 2.50', '1,035.00', '7', '0.5', '-.25', '12.345', '', null),
  );
  const viaBig = (v: string | null): Big => new Big(v === null ? '0' : v.trim().replace(/,/g, '') || '0');

  it('formats and parses a canonical amount exactly as big.js does', () => {
    fc.assert(
      fc.property(canonical, (text) => {
        const big = new Big(text).round(2, Big.roundHalfUp).toFixed(2);
        expect(formatMoney(text)).toBe(big === '-0.00' ? '0.00' : big);
        expect(parseMoney(text).toString()).toBe(new Big(text).toString());
      }),
    );
    expect(formatMoney('-0.00')).toBe('0.00');
  });

  it('sums any mix of amounts to the very big.js sum', () => {
    fc.assert(
      fc.property(fc.array(anyAmount, { maxLength: 60 }), (values) => {
        const expected = values.reduce((total, v) => total.plus(viaBig(v)), new Big(0));
        const sum = sumMoney(values);
        expect(sum.toString()).toBe(expected.toString());
        expect(sum.toFixed(2)).toBe(expected.toFixed(2));
      }),
    );
  });
});
