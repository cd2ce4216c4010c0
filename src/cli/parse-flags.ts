import { parseArgs } from 'node:util';
import { flagName } from '../config/load-config.ts';
import type { OptionTable } from '../config/option-table.ts';
import { TestloopError } from '../errors.ts';

/** Flags every command takes besides its own options. */
const COMMON = {
  help: { type: 'boolean', short: 'h' },
  config: { type: 'string' },
  cwd: { type: 'string', short: 'C' },
} as const;

export interface ParsedFlags {
  values: Record<string, unknown>;
  common: { help: boolean; config?: string; cwd?: string };
  positionals: string[];
}

/** Builds the parser from the command's option table, so flags cannot drift from config keys. */
export function parseFlags(table: OptionTable, argv: string[], command: string): ParsedFlags {
  const spec: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {
    ...COMMON,
  };
  const keyOfFlag = new Map<string, string>();
  for (const [key, { type }] of Object.entries(table)) {
    const flag = flagName(key);
    keyOfFlag.set(flag, key);
    spec[flag] =
      type === 'boolean'
        ? { type: 'boolean' }
        : { type: 'string', ...(type === 'array' ? { multiple: true } : {}) };
    if (type === 'boolean') {
      // Node 20's parseArgs has no negation: --no-cache is declared on its own and means cache=false.
      spec[`no-${flag}`] = { type: 'boolean' };
      keyOfFlag.set(`no-${flag}`, key);
    }
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: spec, strict: true, allowPositionals: true });
  } catch (error) {
    const detail = String((error as Error).message)
      .split('\n')[0]!
      .replace(/\. To specify.*$/, '');
    throw new TestloopError('TESTLOOP_USAGE', `${detail}. Run testloop ${command} --help`);
  }
  const values: Record<string, unknown> = {};
  for (const [flag, raw] of Object.entries(parsed.values)) {
    const key = keyOfFlag.get(flag);
    if (!key) continue;
    const type = table[key]!.type;
    if (type === 'boolean' && flag.startsWith('no-')) {
      values[key] = !raw;
    } else if (type === 'number') {
      const n = Number(raw);
      if (raw === '' || !Number.isFinite(n)) {
        throw new TestloopError(
          'TESTLOOP_USAGE',
          `--${flag} expects a number, got "${raw}". Run testloop ${command} --help`,
        );
      }
      values[key] = n;
    } else if (type === 'array') {
      // Repeated flags and comma lists both work: --format json --format sarif:out.sarif, --exclude a,b
      values[key] = (raw as string[])
        .flatMap((v) => (key === 'format' || key === 'coverage' || key === 'fix' ? [v] : v.split(',')))
        .filter(Boolean);
    } else values[key] = raw;
  }
  const v = parsed.values as Record<string, unknown>;
  return {
    values,
    common: {
      help: v.help === true,
      ...(typeof v.config === 'string' ? { config: v.config } : {}),
      ...(typeof v.cwd === 'string' ? { cwd: v.cwd } : {}),
    },
    positionals: parsed.positionals,
  };
}
