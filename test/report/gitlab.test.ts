import { describe, expect, it } from 'vitest';
import { gitlabReporter } from '../../src/report/gitlab.ts';
import { fileOf, largeResult, ODD_PATH, resultOf, sampleResult } from './sample-result.ts';

interface Issue {
  description: string;
  check_name: string;
  fingerprint: string;
  severity: string;
  location: { path: string; lines: { begin: number; end: number } };
}

const render = (result = sampleResult()): Issue[] =>
  JSON.parse(gitlabReporter.render(result, { color: false }));

describe('gitlabReporter', () => {
  it('writes one Code Quality issue per gap', () => {
    const issues = render();
    expect(issues).toHaveLength(sampleResult().gaps.length);
    expect(issues[0]).toEqual({
      description: 'Lines 4-6: changed lines not run by any test',
      check_name: 'testloop/uncovered-lines',
      fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/),
      severity: 'minor',
      location: { path: 'src/a.ts', lines: { begin: 4, end: 6 } },
    });
    expect(issues.map((issue) => `${issue.check_name} ${issue.severity}`)).toEqual([
      'testloop/uncovered-lines minor',
      'testloop/uncovered-lines minor',
      'testloop/uncovered-branch minor',
      'testloop/uncovered-function major',
      'testloop/uncovered-lines minor',
      'testloop/uncovered-function major',
      'testloop/uncovered-branch minor',
    ]);
    expect(issues.map((issue) => issue.location.path)).toContain(ODD_PATH);
  });

  it('gives every issue a unique fingerprint, stable across runs', () => {
    const many = largeResult(300, 10);
    const fingerprints = render(many).map((issue) => issue.fingerprint);
    expect(new Set(fingerprints).size).toBe(many.gaps.length);
    expect(render(many).map((issue) => issue.fingerprint)).toEqual(fingerprints);
  });

  it('keeps fingerprints unique even for repeated gaps', () => {
    const file = fileOf({ path: 'src/a.ts', coverableLines: 2, uncoveredLines: [1], measured: true });
    const result = resultOf([file]);
    result.gaps.push(...result.gaps);
    const fingerprints = render(result).map((issue) => issue.fingerprint);
    expect(new Set(fingerprints).size).toBe(2);
  });

  it('is an empty array without gaps', () => {
    expect(gitlabReporter.render(resultOf([]), { color: false })).toBe('[]\n');
  });
});
