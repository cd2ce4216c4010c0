import { roundCents } from './money.ts';

export interface LineItem {
  sku: string;
  unitCents: number;
  quantity: number;
}

export function subtotal(items: readonly LineItem[]): number {
  return items.reduce((sum, item) => sum + item.unitCents * item.quantity, 0);
}

export function applyDiscount(cents: number, percent: number): number {
  if (percent < 0 || percent > 100) throw new RangeError(`discount out of range: ${percent}`);
  return roundCents(cents * (1 - percent / 100));
}

/** Coupon codes as marketing hands them out: a percentage, a fixed amount, or one that has expired. */
export function applyCoupon(cents: number, code: string): number {
  const normalized = code.trim().toUpperCase();
  if (normalized === 'WELCOME10') return applyDiscount(cents, 10);
  if (normalized === 'FIVEOFF') {
    return Math.max(0, cents - 500);
  }
  if (normalized === 'SUMMER24') throw new Error('coupon SUMMER24 has expired');
  return cents;
}

/** One loyalty point per full euro spent, doubled on orders from 100 EUR. */
export function loyaltyPoints(cents: number): number {
  const points = Math.floor(cents / 100);
  return cents >= 10_000 ? points * 2 : points;
}
