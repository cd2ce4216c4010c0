import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from '../helpers/fixture-app.ts';

/** src/cart.ts on the feature branch: lines 5 and 6 changed, `discount` (lines 8-12) added. */
export const CART_CHANGED = `import { taxOf } from './tax.ts';

export function total(prices: number[]): number {
  let sum = 0;
  for (const price of prices) sum += Math.max(0, price);
  return sum > 0 ? sum + taxOf(sum) : 0;
}

export function discount(sum: number, percent: number): number {
  if (percent <= 0) return sum;
  return sum - (sum * percent) / 100;
}
`;

const TAX = 'SF:src/tax.ts\nFN:1,taxOf\nFNDA:3,taxOf\nDA:1,1\nDA:2,3\nend_of_record\n';

/** A run of the feature branch's tests: total ran (one side of line 6 only), discount never did. */
export const CART_LCOV = `TN:
SF:src/cart.ts
FN:3,total
FN:9,discount
FNDA:2,total
FNDA:0,discount
DA:1,1
DA:3,1
DA:4,2
DA:5,2
DA:6,2
DA:9,0
DA:10,0
DA:11,0
BRDA:6,0,0,2
BRDA:6,0,1,0
BRDA:10,1,0,0
BRDA:10,1,1,0
end_of_record
${TAX}`;

/** A later run whose tests also take the other side of line 6. */
export const CART_LCOV_BOTH_SIDES = CART_LCOV.replace('BRDA:6,0,1,0', 'BRDA:6,0,1,1');

/**
 * The shop on a feature branch off main with the change to src/cart.ts committed, and the coverage
 * report of its tests in coverage/lcov.info (ignored by git, as a test run leaves it).
 */
export function changedShop(app: App): App {
  app.git('checkout', '-q', '-b', 'feature');
  writeFileSync(join(app.dir, 'src/cart.ts'), CART_CHANGED);
  app.git('commit', '-qam', 'discount');
  mkdirSync(join(app.dir, 'coverage'), { recursive: true });
  writeFileSync(join(app.dir, 'coverage/lcov.info'), CART_LCOV);
  return app;
}
