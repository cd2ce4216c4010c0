import { githubReporter } from './github.ts';
import { gitlabReporter } from './gitlab.ts';
import { jsonReporter } from './json.ts';
import { lcovReporter } from './lcov.ts';
import { markdownReporter } from './markdown.ts';
import { sarifReporter } from './sarif.ts';
import { textReporter } from './text.ts';
import type { GapsReporter } from './types.ts';

export const gapsReporters: readonly GapsReporter[] = [
  jsonReporter,
  textReporter,
  markdownReporter,
  githubReporter,
  sarifReporter,
  gitlabReporter,
  lcovReporter,
];

export function reporterByName(name: string): GapsReporter | undefined {
  return gapsReporters.find((reporter) => reporter.name === name);
}
