// Reads runner config files without executing them: parse with oxc, find the exported object, and
// evaluate literals only (see ./static/). Anything computed becomes an `Unknown` that remembers where and
// why; `ConfigReader` turns the ones a runner needed into warnings while the runner uses its default.
import { relative, sep } from 'node:path';
import { Loader, type LoadOptions } from './static/evaluate.ts';
import { isObject, type StaticValue, UNKNOWN_KEYS, Unknown } from './static/values.ts';

export type { LoadOptions } from './static/evaluate.ts';
export { loadJson } from './static/json.ts';
export {
  isObject,
  mergeConfig,
  normalizeAlias,
  type StaticObject,
  StaticRegExp,
  type StaticValue,
  Unknown,
} from './static/values.ts';

export interface LoadedConfig {
  /** The exported config: `export default`, `module.exports`, or the parsed JSON. */
  value: StaticValue;
  /** Absolute paths of the file and of every local module it imports that was read. */
  files: string[];
}

/** Loads `file` and evaluates its exported config, following relative imports of other config modules. */
export function loadConfig(file: string, options: LoadOptions): LoadedConfig {
  const loader = new Loader(options);
  const value = loader.configExport(loader.exported(file, 'default', 0, { file, line: 1 }), file);
  return { value, files: [...loader.files] };
}

/** The value at a dotted path; an `Unknown` when any step on the way is computed. */
export function getPath(value: StaticValue, path: string): StaticValue {
  let current = value;
  for (const key of path.split('.')) {
    if (current instanceof Unknown || current === undefined || current === null) return current;
    if (!isObject(current)) return undefined;
    current = Object.hasOwn(current, key) ? current[key] : current[UNKNOWN_KEYS];
  }
  return current;
}

/** Settings that only map module specifiers: vite's aliases, jest's moduleNameMapper. */
const ALIAS_LABEL = /^(?:resolve\.alias|test\.alias|moduleNameMapper)\b/;

/** Reads typed settings from evaluated configs and collects one warning per computed value it met. */
export class ConfigReader {
  private readonly fallbacks = new Map<string, { where: string; reason: string; labels: string[] }>();

  constructor(private readonly root: string) {}

  /** A string or list of strings; undefined (use the default) when missing or not literal. */
  strings(value: StaticValue, path: string, file: string): string[] | undefined {
    const found = getPath(value, path);
    if (found === undefined || found === null) return undefined;
    if (typeof found === 'string') return [found];
    if (Array.isArray(found)) {
      const bad = found.find((item) => typeof item !== 'string');
      if (bad === undefined) return found as string[];
      this.fallback(bad instanceof Unknown ? bad : this.wrongType(file, 'is not a list of strings'), path);
      return undefined;
    }
    this.fallback(
      found instanceof Unknown ? found : this.wrongType(file, 'is not a string or a list of strings'),
      path,
    );
    return undefined;
  }

  string(value: StaticValue, path: string, file: string): string | undefined {
    const found = getPath(value, path);
    if (found === undefined || found === null || typeof found === 'string') return found ?? undefined;
    this.fallback(found instanceof Unknown ? found : this.wrongType(file, 'is not a string'), path);
    return undefined;
  }

  /** Records that `label` could not be read because of `unknown`, so the runner's default applies. */
  fallback(unknown: Unknown, label: string): void {
    const where = `${this.display(unknown.file)}${unknown.line > 0 ? `:${unknown.line}` : ''}`;
    const key = `${where}\0${unknown.reason}`;
    const entry = this.fallbacks.get(key) ?? { where, reason: unknown.reason, labels: [] };
    if (!entry.labels.includes(label)) entry.labels.push(label);
    this.fallbacks.set(key, entry);
  }

  /** A warning that is not about one setting (a missing project folder, an unsupported preset). */
  warn(file: string, message: string): void {
    this.fallbacks.set(`${file}\0${message}`, { where: this.display(file), reason: message, labels: [] });
  }

  /**
   * The first warning about a setting that decides which files are tests or how they run (anything but
   * module aliases, whose loss leaves imports unresolved, which the selection widens for itself), or
   * undefined when every such setting was read.
   */
  incomplete(): string | undefined {
    for (const entry of this.fallbacks.values()) {
      if (entry.labels.length === 0 || entry.labels.some((label) => !ALIAS_LABEL.test(label)))
        return this.render(entry);
    }
    return undefined;
  }

  warnings(): string[] {
    return [...this.fallbacks.values()].map((entry) => this.render(entry));
  }

  private render({ where, reason, labels }: { where: string; reason: string; labels: string[] }): string {
    return labels.length === 0
      ? `${where}: ${reason}`
      : `${where}: cannot read ${labels.join(', ')} statically (${reason}); using the default`;
  }

  private wrongType(file: string, reason: string): Unknown {
    return new Unknown(reason, file, 0);
  }

  private display(file: string): string {
    const rel = relative(this.root, file);
    return rel.startsWith('..') ? file : rel.split(sep).join('/');
  }
}

/** `{ incomplete }` for a discovery result when the reader met a test-deciding setting it could not read. */
export function incompleteOf(reader: ConfigReader): { incomplete?: string } {
  const incomplete = reader.incomplete();
  return incomplete === undefined ? {} : { incomplete };
}
