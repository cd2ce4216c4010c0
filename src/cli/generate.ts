import { resolve } from 'node:path';
import { DEFAULT_BUDGET, GENERATE_OPTIONS } from '../config/generate-options.ts';
import { EXIT, TestloopError } from '../errors.ts';
import { describeEndpoint } from '../generate/breaker.ts';
import { generateTests } from '../generate/pipeline.ts';
import type { GenerateResult } from '../generate/types.ts';
import { GENERATE_FORMATS, type GenerateFormat, renderGenerate } from '../report/generate.ts';
import { writeFileAtomic } from '../util/fs.ts';
import { defineCommand } from './command-input.ts';
import type { CommandHelp } from './help.ts';
import type { CliIO } from './io.ts';
import { parseFormatTargets, useColor } from './output.ts';

/** --strict and the model endpoint failed for good. */
const EXIT_LLM_OUTAGE = 3;

const HELP: CommandHelp = {
  command: 'generate',
  summary:
    'Write unit tests for the gaps of a change (or for --target functions); keep only those that compile, pass repeatedly and cover new lines.',
  examples: [
    [
      'TESTLOOP_LLM_BASE_URL=https://api.openai.com/v1 TESTLOOP_LLM_MODEL=gpt-4.1-mini testloop generate --base origin/main --patch tests.diff',
      'tests for the uncovered lines of a pull request, as a patch (OPENAI_API_KEY set)',
    ],
    [
      'testloop generate --target src/cart.ts:applyDiscount --write',
      'tests for one function, next to its tests',
    ],
    [
      'testloop generate --base origin/main --engine stub --write',
      'offline: it.todo skeletons for the gaps, never counted as coverage',
    ],
  ],
  exitCodes: `0 done (also when nothing was accepted, and when the model endpoint failed: that is reported on stderr), 2 usage or input error, ${EXIT_LLM_OUTAGE} the model endpoint failed and --strict is set`,
  notes: 'The API key is read from TESTLOOP_LLM_API_KEY or OPENAI_API_KEY only.',
  noOperands: 'Name targets with --target file:symbol',
};

export const generateCommand = defineCommand(GENERATE_OPTIONS, HELP, async ({ cwd, options }, io) => {
  // --format and --strict are the CLI's own (where reports go, the exit status); the rest are fields of
  // generateTests, the cache folder taken relative to --cwd.
  const { format, strict, cacheDir, ...generateOptions } = options;
  const formats = parseFormatTargets(format && format.length > 0 ? format : ['text'], GENERATE_FORMATS);
  const engine = engineOf(options);

  const result = await generateTests({
    cwd,
    env: io.env,
    ...generateOptions,
    engine,
    budget: options.budget ?? DEFAULT_BUDGET,
    log: (line) => io.stderr(`${line}\n`),
    ...(cacheDir === undefined ? {} : { cacheDir: resolve(cwd, cacheDir) }),
    // Reports and the reply cache this run writes are never a change to the next one.
    ownOutputs: [
      ...formats.flatMap((f) => (f.path === undefined ? [] : [f.path])),
      ...(cacheDir === undefined ? [] : [`${cacheDir}/`]),
    ],
  });

  await writeReports(result, formats, engine, options.model, cwd, io);
  if (result.llmError) {
    io.stderr(
      `testloop: the model endpoint failed (${result.llmError.code}, ${describeEndpoint(result.llmError.endpoint)}): ${result.llmError.message}${strict ? '' : '. Continuing without it (fail open); pass --strict to fail the step instead'}\n`,
    );
    if (strict) return EXIT_LLM_OUTAGE;
  }
  return EXIT.ok;
});

/** The engine asked for (default: llm when an endpoint is set, else stub), once it has what it needs. */
function engineOf(options: { engine?: 'llm' | 'stub'; baseUrl?: string; model?: string }): 'llm' | 'stub' {
  if (options.engine === 'llm' && !options.baseUrl) {
    throw new TestloopError(
      'TESTLOOP_USAGE',
      '--engine llm needs an endpoint: set --base-url or TESTLOOP_LLM_BASE_URL (and --model or TESTLOOP_LLM_MODEL)',
    );
  }
  const engine = options.engine ?? (options.baseUrl ? 'llm' : 'stub');
  if (engine === 'llm' && !options.model)
    throw new TestloopError(
      'TESTLOOP_USAGE',
      'the llm engine needs a model: set --model or TESTLOOP_LLM_MODEL',
    );
  return engine;
}

/** The reports, to their paths or stdout; warnings go to stderr unless the text report on stdout lists them. */
async function writeReports(
  result: GenerateResult,
  formats: { kind: GenerateFormat; path?: string }[],
  engine: 'llm' | 'stub',
  model: string | undefined,
  cwd: string,
  io: CliIO,
): Promise<void> {
  const context = {
    color: useColor(io.env, io.isTTY),
    engine,
    ...(engine === 'llm' && model ? { model } : {}),
  };
  const rendered = formats.map((f) => ({
    ...f,
    text: renderGenerate(result, f.kind, { ...context, color: f.path === undefined && context.color }),
  }));
  for (const { path, text } of rendered) {
    if (path === undefined) io.stdout(text);
    else await writeFileAtomic(resolve(cwd, path), text);
  }
  // The text report lists these itself; other formats keep stdout clean, so they go to stderr.
  if (!formats.some((f) => f.kind === 'text' && f.path === undefined)) {
    for (const warning of result.warnings ?? []) io.stderr(`testloop: warning: ${warning}\n`);
  }
}
