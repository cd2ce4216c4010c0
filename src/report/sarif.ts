import { createHash } from 'node:crypto';
import pkg from '../../package.json' with { type: 'json' };
import type { Gap } from '../gaps/types.ts';
import { encodePath } from './markdown.ts';
import { describeGap } from './text.ts';
import type { GapsReporter } from './types.ts';

const INFORMATION_URI = `https://www.npmjs.com/package/${pkg.name}`;

const RULES: Record<Gap['kind'], { id: string; name: string; short: string; help: string }> = {
  line: {
    id: 'testloop/uncovered-lines',
    name: 'UncoveredChangedLines',
    short: 'Changed lines that no test runs',
    help: 'The change adds or modifies these lines, and no test in the coverage reports executes them. Add or extend a test that runs them.',
  },
  branch: {
    id: 'testloop/uncovered-branch',
    name: 'UncoveredBranch',
    short: 'Changed branch that no test takes',
    help: 'A changed line has branch outcomes (an if/else arm, a ternary, a short-circuit) that no test takes. Add a test for the missing case.',
  },
  function: {
    id: 'testloop/uncovered-function',
    name: 'UncoveredFunction',
    short: 'Changed function that no test calls',
    help: 'The change touches this function and no test calls it. Add a test that calls it.',
  },
};
const KINDS = Object.keys(RULES) as Gap['kind'][];

/** SARIF 2.1.0 for code scanning and other SARIF viewers; one result per gap. */
export const sarifReporter: GapsReporter = {
  name: 'sarif',
  render(result, context) {
    const sarif = {
      $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
      version: '2.1.0',
      runs: [
        {
          tool: {
            driver: {
              name: 'testloop',
              informationUri: INFORMATION_URI,
              version: context.toolVersion ?? pkg.version,
              rules: KINDS.map((kind) => ({
                id: RULES[kind].id,
                name: RULES[kind].name,
                shortDescription: { text: RULES[kind].short },
                fullDescription: { text: RULES[kind].help },
                help: { text: RULES[kind].help },
                defaultConfiguration: { level: 'warning' },
              })),
            },
          },
          results: result.gaps.map((gap) => ({
            ruleId: RULES[gap.kind].id,
            ruleIndex: KINDS.indexOf(gap.kind),
            level: 'warning',
            message: { text: describeGap(gap) },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: encodePath(gap.file), uriBaseId: '%SRCROOT%' },
                  region: { startLine: gap.start, endLine: gap.end },
                },
              },
            ],
            partialFingerprints: { 'testloopGap/v1': fingerprintOf(gap) },
          })),
        },
      ],
    };
    return `${JSON.stringify(sarif, null, 2)}\n`;
  },
};

/**
 * A function is identified by its name, so its alert survives edits above it. Lines and branches have
 * no symbol and the result carries no source text, so their line numbers stand in.
 */
function fingerprintOf(gap: Gap): string {
  const what = gap.kind === 'function' && gap.symbol ? gap.symbol : `${gap.start}-${gap.end}`;
  return createHash('sha256').update(`${gap.file}\0${gap.kind}\0${what}`).digest('hex');
}
