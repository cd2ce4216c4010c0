import { envName, flagName } from '../config/load-config.ts';
import type { OptionSpec, OptionTable } from '../config/option-table.ts';

/** What `testloop <command> --help` shows besides the options, which come from the option declaration. */
export interface CommandHelp {
  command: string;
  /** The arguments after the options, e.g. `[<changed-file>…]`; none when the command takes no paths. */
  operands?: string;
  summary: string;
  /** Command lines to copy, each with the one-line comment that says what it does. */
  examples: readonly (readonly [commandLine: string, comment: string])[];
  exitCodes: string;
  /** A paragraph after the exit status, for what no option says (where a secret is read from). */
  notes?: string;
  /**
   * For a command that takes no operands, what to do instead: the end of the usage error that an
   * operand gets. Undefined where the command reads its operands itself.
   */
  noOperands?: string;
}

/**
 * What a flag's value looks like, by option key: a key means the same thing in every command. An option
 * with a few fixed values shows them instead (`<list|json|vitest|jest|node>`).
 */
const PLACEHOLDERS: Readonly<Record<string, string>> = {
  alias: '<find=replacement>',
  answerLimit: '<chars>',
  attempt: '<n>',
  base: '<ref>',
  baseUrl: '<url>',
  branch: '<name>',
  budget: '<duration>',
  cacheDir: '<dir>',
  changed: '<file>',
  codeowners: '<file>',
  commit: '<sha>',
  coverage: '<[format:]path>',
  diffFile: '<file|->',
  environment: '<key=value>',
  exclude: '<glob>',
  failUnder: '<percent>',
  fix: '<testId>',
  format: '<kind[:path]>',
  history: '<file>',
  include: '<glob>',
  job: '<name>',
  llmTimeout: '<duration>',
  maxDiffMb: '<MiB>',
  maxTokensTotal: '<tokens>',
  model: '<name>',
  notify: '<url>',
  patch: '<file>',
  quarantine: '<file>',
  reports: '<file>',
  runId: '<id>',
  shard: '<i/n|auto>',
  skip: '<step>',
  srcRoots: '<dir>',
  startedAt: '<iso-time>',
  target: '<file:symbol>',
};

/** Choices up to this many are spelled out in the placeholder. */
const MAX_SPELLED_CHOICES = 5;
const FLAG_COLUMN = 28;

/** `<ref>`, `<llm|stub|off>`, `<n>`; `<value>` only for an option nobody described yet. */
function placeholderOf(key: string, spec: OptionSpec): string {
  if (spec.choices !== undefined && spec.choices.length <= MAX_SPELLED_CHOICES)
    return `<${spec.choices.join('|')}>`;
  return PLACEHOLDERS[key] ?? (spec.type === 'number' ? '<n>' : '<value>');
}

export function helpText(table: OptionTable, help: CommandHelp): string {
  const rows = Object.entries(table).map(([key, spec]) => {
    const flag =
      spec.type === 'boolean' ? `--[no-]${flagName(key)}` : `--${flagName(key)} ${placeholderOf(key, spec)}`;
    const list = spec.type === 'array' ? ' (comma-separated)' : '';
    const source = spec.commandOnly
      ? `flag or the config's ${help.command} section only`
      : `env ${spec.env ?? envName(key)}${list}`;
    return [row(flag, spec.description), row('', source)].join('\n');
  });
  const common = [
    row(
      '--config <file>',
      'config file (default: testloop.config.{json,js,mjs,cjs} or package.json#testloop)',
    ),
    row('-C, --cwd <dir>', 'run as if started in <dir>'),
    row('-h, --help', 'this help'),
  ];
  const examples = help.examples.map(([line, comment]) => `  # ${comment}\n  ${line}`);
  const usage = `testloop ${help.command} [options]${help.operands ? ` ${help.operands}` : ''}`;
  return `Usage: ${usage}\n\n${help.summary}\n\nOptions:\n${[...rows, ...common].join('\n')}\n\nExamples:\n${examples.join('\n\n')}\n\nExit status: ${help.exitCodes}\n${help.notes ? `\n${help.notes}\n` : ''}`;
}

/** One option row; a flag too long for its column puts the text on the next line. */
function row(flag: string, text: string): string {
  if (flag.length < FLAG_COLUMN - 1) return `  ${flag.padEnd(FLAG_COLUMN)}${text}`;
  return `  ${flag}\n  ${''.padEnd(FLAG_COLUMN)}${text}`;
}
