import { describe, expect, it } from 'vitest';
import { formatPrice, roundCents } from '../src/money.ts';

describe('money', () => {
  it('formats cents as a price', () => {
    expect(formatPrice(1999)).toBe('€19.99');
    expect(formatPrice(500, 'USD')).toBe('$5.00');
  });

  it('rounds to whole cents', () => {
    expect(roundCents(10.5)).toBe(11);
  });
});
