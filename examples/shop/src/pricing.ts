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
