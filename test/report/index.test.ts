import { describe, expect, it } from 'vitest';
import { gapsReporters, reporterByName } from '../../src/report/index.ts';
import { sampleResult } from './sample-result.ts';

describe('gapsReporters', () => {
  it('registers every format under its name', () => {
    expect(gapsReporters.map((reporter) => reporter.name)).toEqual([
      'json',
      'text',
      'markdown',
      'github',
      'sarif',
      'gitlab',
      'lcov',
    ]);
    for (const reporter of gapsReporters) expect(reporterByName(reporter.name)).toBe(reporter);
    expect(reporterByName('html')).toBeUndefined();
  });

  it('renders the sample with every reporter, each output ending in a newline', () => {
    for (const reporter of gapsReporters) {
      expect(reporter.render(sampleResult(), { color: false }), reporter.name).toMatch(/\n$/);
    }
  });
});
