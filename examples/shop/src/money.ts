/** Prices are kept in cents; this is the only place that turns them into text. */
export function formatPrice(cents: number, currency = 'EUR'): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);
}

export function roundCents(value: number): number {
  return Math.round(value);
}
