const RATES: Record<string, number> = { DE: 490, FR: 690, US: 1990 };

/** Shipping in cents for a parcel; orders from 50 EUR ship free inside the EU. */
export function shippingCents(country: string, orderCents: number): number {
  const rate = RATES[country];
  if (rate === undefined) throw new Error(`we do not ship to ${country}`);
  if (country !== 'US' && orderCents >= 5000) return 0;
  return rate;
}
