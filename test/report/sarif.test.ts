import { describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { sarifReporter } from '../../src/report/sarif.ts';
import { resultOf, sampleResult } from './sample-result.ts';

// biome-ignore lint/suspicious/noExplicitAny: walking the parsed SARIF document
type Json = any;

const render = (result = sampleResult()): Json => JSON.parse(sarifReporter.render(result, { color: false }));

describe('sarifReporter', () => {
  it('has the SARIF 2.1.0 envelope and a driver with the three rules', () => {
    const sarif = render();
    expect(sarif.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs).toHaveLength(1);
    const driver = sarif.runs[0].tool.driver;
    expect(driver).toMatchObject({ name: 'testloop', version: pkg.version });
    expect(() => new URL(driver.informationUri)).not.toThrow();
    expect(driver.rules.map((rule: Json) => rule.id)).toEqual([
      'testloop/uncovered-lines',
      'testloop/uncovered-branch',
      'testloop/uncovered-function',
    ]);
    for (const rule of driver.rules) {
      expect(rule.shortDescription.text).toEqual(expect.any(String));
      expect(rule.help.text).toEqual(expect.any(String));
    }
  });

  it('takes the tool version from the context when given', () => {
    const sarif = JSON.parse(sarifReporter.render(sampleResult(), { color: false, toolVersion: '9.9.9' }));
    expect(sarif.runs[0].tool.driver.version).toBe('9.9.9');
  });

  it('has one well-formed result per gap', () => {
    const result = sampleResult();
    const sarif = render(result);
    const { results, tool } = sarif.runs[0];
    expect(results).toHaveLength(result.gaps.length);
    results.forEach((entry: Json, i: number) => {
      const gap = result.gaps[i]!;
      expect(entry.level).toBe('warning');
      expect(tool.driver.rules[entry.ruleIndex].id).toBe(entry.ruleId);
      expect(entry.message.text).toEqual(expect.any(String));
      expect(entry.locations).toHaveLength(1);
      const { artifactLocation, region } = entry.locations[0].physicalLocation;
      expect(artifactLocation.uriBaseId).toBe('%SRCROOT%');
      expect(decodeURIComponent(artifactLocation.uri)).toBe(gap.file);
      expect(region).toEqual({ startLine: gap.start, endLine: gap.end });
      expect(region.startLine).toBeGreaterThanOrEqual(1);
      expect(region.endLine).toBeGreaterThanOrEqual(region.startLine);
      expect(entry.partialFingerprints['testloopGap/v1']).toMatch(/^[0-9a-f]{64}$/);
    });
  });

  it('writes repository paths as URI references', () => {
    const uris = render().runs[0].results.map(
      (entry: Json) => entry.locations[0].physicalLocation.artifactLocation.uri,
    );
    expect(uris).toContain('src/we%60ird%20dir/a%7Cb%3Cc%3E%2Cd%3Ae%25f%20%281%29.ts');
  });

  it('gives each result a distinct fingerprint that a later run repeats', () => {
    const fingerprints = (sarif: Json) =>
      sarif.runs[0].results.map((entry: Json) => entry.partialFingerprints['testloopGap/v1']);
    const first = fingerprints(render());
    expect(new Set(first).size).toBe(first.length);
    expect(fingerprints(render())).toEqual(first);
  });

  it('keeps a function fingerprint when the function moves', () => {
    const at = (line: number) =>
      render(
        resultOf([
          {
            path: 'src/f.ts',
            changedLines: 1,
            coverableLines: 1,
            uncoveredLines: [],
            uncoveredBranches: [],
            uncoveredFunctions: [{ name: 'f', line }],
            percent: 100,
            measured: true,
          },
        ]),
      ).runs[0].results[0].partialFingerprints;
    expect(at(3)).toEqual(at(30));
  });

  it('has an empty results array when there are no gaps', () => {
    expect(render(resultOf([])).runs[0].results).toEqual([]);
  });
});
