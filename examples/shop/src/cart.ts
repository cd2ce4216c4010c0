import { formatPrice } from './money.ts';
import { type LineItem, subtotal } from './pricing.ts';

export class Cart {
  private readonly items: LineItem[] = [];

  add(sku: string, unitCents: number, quantity = 1): this {
    const existing = this.items.find((item) => item.sku === sku);
    if (existing) existing.quantity += quantity;
    else this.items.push({ sku, unitCents, quantity });
    return this;
  }

  totalCents(): number {
    return subtotal(this.items);
  }

  summary(): string {
    return `${this.items.length} item(s), ${formatPrice(this.totalCents())}`;
  }
}
