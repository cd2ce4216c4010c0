import type { GapsReporter } from './types.ts';

export const jsonReporter: GapsReporter = {
  name: 'json',
  render(result) {
    return `${JSON.stringify(result, null, 2)}\n`;
  },
};
