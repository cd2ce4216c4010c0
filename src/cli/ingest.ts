import { INGEST_OPTIONS } from '../config/triage-options.ts';
import { EXIT } from '../errors.ts';
import { ingestReports } from '../triage/ingest.ts';
import { defineCommand } from './command-input.ts';
import type { CommandHelp } from './help.ts';

const HELP: CommandHelp = {
  command: 'ingest',
  operands: '<report|folder>…',
  summary:
    'Record the test reports of one CI run (JUnit XML of any dialect, CI logs) in the test history that testloop triage reads.',
  examples: [
    [
      'testloop ingest reports/junit.xml',
      "after every CI run: commit, branch and run id from the CI's variables",
    ],
    [
      'testloop ingest test-results/ --run-id 1234 --attempt 2 --job "test (ubuntu, node 20)"',
      'every report in a folder, for a re-run of one job of a matrix',
    ],
    ['testloop ingest ci.log --commit "$(git rev-parse HEAD)" --json', 'a raw CI log, with a JSON summary'],
  ],
  exitCodes: '0 stored (a report stored twice is counted as duplicates), 2 usage or input error',
};

export const ingestCommand = defineCommand(INGEST_OPTIONS, HELP, async ({ flags, cwd, options }, io) => {
  // --json is the CLI's own (how the summary prints); the rest are fields of ingestReports.
  const { json, ...ingestOptions } = options;
  const result = await ingestReports({ cwd, env: io.env, reports: flags.positionals, ...ingestOptions });
  for (const warning of result.warnings) io.stderr(`testloop: warning: ${warning}\n`);
  if (json) {
    io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const r = result.run;
    const where = `run ${r.runId} attempt ${r.attempt}${r.job ? ` job ${r.job}` : ''}, commit ${r.commit.slice(0, 12)}`;
    io.stdout(
      `testloop ingest: ${result.attempts} attempts from ${result.reports.length} report(s) (${where}): ${result.inserted} stored, ${result.duplicates} already in the history\n`,
    );
  }
  return EXIT.ok;
});
