import { describe, expect, it } from 'vitest';
import { applyCoupon, applyDiscount, subtotal } from '../src/pricing.ts';

describe('pricing', () => {
  it('adds up the line items', () => {
    expect(
      subtotal([
        { sku: 'mug', unitCents: 1200, quantity: 2 },
        { sku: 'tea', unitCents: 450, quantity: 1 },
      ]),
    ).toBe(2850);
  });

  it('takes a percentage off', () => {
    expect(applyDiscount(2000, 15)).toBe(1700);
    expect(() => applyDiscount(2000, 120)).toThrow(RangeError);
  });

  it('applies a welcome coupon', () => {
    expect(applyCoupon(2000, ' welcome10 ')).toBe(1800);
  });
});
