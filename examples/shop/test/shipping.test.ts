import { describe, expect, it } from 'vitest';
import { shippingCents } from '../src/shipping.ts';

describe('shipping', () => {
  it('charges the country rate', () => {
    expect(shippingCents('FR', 1000)).toBe(690);
  });

  it('ships large EU orders free', () => {
    expect(shippingCents('DE', 5000)).toBe(0);
    expect(shippingCents('US', 5000)).toBe(1990);
  });
});
