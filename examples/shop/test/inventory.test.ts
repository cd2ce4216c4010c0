import { describe, expect, it } from 'vitest';
import { Inventory } from '../src/inventory.ts';

describe('inventory', () => {
  it('reserves what is in stock', async () => {
    const inventory = new Inventory({ mug: 3 });
    expect(await inventory.reserve('mug', 2)).toBe(true);
    expect(await inventory.available('mug')).toBe(1);
  });

  it('holds stock for concurrent orders', async () => {
    const inventory = new Inventory({ mug: 1 });
    const results = await Promise.all([inventory.reserve('mug', 1), inventory.reserve('mug', 1)]);
    expect(results.filter(Boolean).length).toBeGreaterThanOrEqual(1);
  });
});
