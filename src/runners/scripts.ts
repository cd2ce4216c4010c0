// What package.json says about how tests run: the test script's commands and the dependencies.

/** One command of a package.json script, with wrappers (npx, cross-env, pnpm exec, …) peeled off. */
export interface Invocation {
  /** The program's base name: `vitest`, `jest`, `node`, `tsx`, … */
  program: string;
  args: string[];
  /** `NAME=value` assignments in front of the command (or given to cross-env / env). */
  env: Record<string, string>;
}

const WRAPPERS = new Set(['npx', 'pnpx', 'bunx', 'cross-env', 'env', 'dotenv', 'exec']);
const PACKAGE_MANAGERS = new Set(['npm', 'pnpm', 'yarn', 'bun']);

/** Splits a shell command line into words: quotes and backslashes honoured, no expansion. */
export function shellWords(command: string): string[][] {
  const commands: string[][] = [[]];
  let word: string | undefined;
  let quote: string | undefined;
  const push = (): void => {
    if (word !== undefined) commands.at(-1)!.push(word);
    word = undefined;
  };
  for (let i = 0; i < command.length; i++) {
    const char = command[i]!;
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
      else if (char === '\\' && quote === '"' && i + 1 < command.length) word = (word ?? '') + command[++i];
      else word = (word ?? '') + char;
    } else if (char === '"' || char === "'") {
      quote = char;
      word ??= '';
    } else if (char === '\\' && i + 1 < command.length) {
      word = (word ?? '') + command[++i];
    } else if (/\s/.test(char)) {
      push();
    } else if (char === ';' || char === '&' || char === '|') {
      push();
      while (command[i + 1] === '&' || command[i + 1] === '|') i++;
      commands.push([]);
    } else {
      word = (word ?? '') + char;
    }
  }
  push();
  return commands.filter((words) => words.length > 0);
}

function peel(words: string[], env: Record<string, string>): string[] {
  let rest = words;
  for (;;) {
    while (rest[0] !== undefined && /^[A-Za-z_][A-Za-z0-9_]*=/.test(rest[0])) {
      const [name, ...value] = rest[0].split('=');
      env[name!] = value.join('=');
      rest = rest.slice(1);
    }
    const head = rest[0];
    if (head === undefined) return rest;
    const name = baseName(head);
    if (WRAPPERS.has(name)) {
      rest = rest.slice(1);
      while (rest[0]?.startsWith('-'))
        rest = rest.slice(rest[0] === '--' ? 1 : rest[0].startsWith('-e') ? 2 : 1);
    } else if (PACKAGE_MANAGERS.has(name) && (rest[1] === 'exec' || rest[1] === 'dlx' || rest[1] === 'x')) {
      rest = rest.slice(2);
      if (rest[0] === '--') rest = rest.slice(1);
    } else if (
      name !== 'npm' &&
      PACKAGE_MANAGERS.has(name) &&
      rest[1] !== undefined &&
      !rest[1].startsWith('-')
    ) {
      rest = rest.slice(1); // `pnpm vitest`, `yarn jest`: a binary (scripts were followed before)
    } else {
      return rest;
    }
  }
}

function baseName(program: string): string {
  return program
    .split(/[\\/]/)
    .at(-1)!
    .replace(/\.(cmd|exe|js|mjs|cjs)$/, '');
}

/** `npm run x`, `npm test`, `pnpm x`, `yarn x`, `bun run x` → the script name, else undefined. */
function scriptReference(words: string[], scripts: Record<string, unknown>): string | undefined {
  const [program, first, second] = words;
  if (program === undefined || !PACKAGE_MANAGERS.has(baseName(program))) return undefined;
  if (first === 'run' || first === 'run-script') return second;
  if (first === 'test' || first === 't') return 'test';
  if (first !== undefined && baseName(program) !== 'npm' && typeof scripts[first] === 'string') return first;
  return undefined;
}

/**
 * The commands `npm test` (or `npm run <script>`) runs, following `npm run other` indirections (three
 * levels at most).
 */
export function testInvocations(packageJson: Record<string, unknown>, scriptName = 'test'): Invocation[] {
  const scripts = (packageJson.scripts ?? {}) as Record<string, unknown>;
  const out: Invocation[] = [];
  const visit = (name: string, depth: number): void => {
    const script = scripts[name];
    if (typeof script !== 'string' || depth > 3) return;
    for (const words of shellWords(script)) {
      const reference = scriptReference(words, scripts);
      if (reference !== undefined) {
        visit(reference, depth + 1);
        continue;
      }
      const env: Record<string, string> = {};
      const [program, ...args] = peel(words, env);
      if (program !== undefined) out.push({ program: baseName(program), args, env });
    }
  };
  visit(scriptName, 0);
  return out;
}

/** The value of `--name value`, `--name=value` or `-n value` in `args`, last one wins. */
export function flagValue(args: readonly string[], names: readonly string[]): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    for (const name of names) {
      if (arg === name && i + 1 < args.length) value = args[i + 1];
      else if (arg.startsWith(`${name}=`)) value = arg.slice(name.length + 1);
    }
  }
  return value;
}

/** True when package.json lists `name` in dependencies or devDependencies. */
export function hasDependency(packageJson: Record<string, unknown>, name: string): boolean {
  const { dependencies, devDependencies } = packageJson as Record<
    string,
    Record<string, unknown> | undefined
  >;
  return Boolean(dependencies?.[name] ?? devDependencies?.[name]);
}

/** The variables a command line carries over (the script's own, then extras); undefined when none. */
export function envOf(...parts: (Record<string, string> | undefined)[]): Record<string, string> | undefined {
  const env = Object.assign({}, ...parts) as Record<string, string>;
  return Object.keys(env).length > 0 ? env : undefined;
}
