import { describe, expect, it } from 'vitest';
import { Cart } from '../src/cart.ts';

describe('cart', () => {
  it('merges repeated items', () => {
    const cart = new Cart().add('mug', 1200).add('mug', 1200, 2);
    expect(cart.totalCents()).toBe(3600);
  });

  it('summarises the cart', () => {
    expect(new Cart().add('tea', 450, 2).summary()).toBe('1 item(s), €9.00');
  });
});
