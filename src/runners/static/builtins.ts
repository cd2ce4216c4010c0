// What the evaluator knows about the world outside the file: node:path, node:url, process.cwd(),
// import.meta and the config helpers of vite, vitest and Playwright Test. Everything else is unknown.
import path, { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Module } from './module.ts';
import { Builtin, isObject, StaticURL, type StaticValue, UNKNOWN_KEYS, Unknown } from './values.ts';

const PATH_MODULES = new Set(['path', 'node:path', 'pathe', 'path/posix', 'node:path/posix']);
const URL_MODULES = new Set(['url', 'node:url']);
const CONFIG_HELPER_MODULES = new Set([
  'vite',
  'vitest/config',
  'vitest/node',
  'vitest',
  '@playwright/test',
  'playwright/test',
]);

/** An import the evaluator understands without reading it, or undefined. */
export function importedBuiltin(source: string, name: string): Builtin | undefined {
  const whole = name === 'default' || name === '*';
  if (PATH_MODULES.has(source)) return new Builtin(whole ? 'path' : `path.${name}`);
  if (URL_MODULES.has(source)) return new Builtin(whole ? 'url' : `url.${name}`);
  if (source.replace(/^node:/, '') === 'process') return new Builtin('process');
  if (CONFIG_HELPER_MODULES.has(source) && (name === 'mergeConfig' || name.startsWith('define'))) {
    return new Builtin(name === 'mergeConfig' ? 'mergeConfig' : 'defineConfig');
  }
  return undefined;
}

/** Calls a path / url / process builtin on literal arguments. */
export function callBuiltin(
  name: string,
  isNew: boolean,
  args: StaticValue[],
  cwd: string,
  unknown: (reason: string) => Unknown,
): StaticValue {
  const bad = args.find((arg) => arg instanceof Unknown);
  if (bad !== undefined) return bad;
  const strings = args.every((arg) => typeof arg === 'string') ? (args as string[]) : undefined;
  const method = name.replace(/^path\.(posix\.)?/, 'path.');
  switch (method) {
    case 'path.resolve':
      if (strings) return resolve(cwd, ...strings);
      break;
    case 'path.join':
    case 'path.normalize':
    case 'path.dirname':
    case 'path.basename':
    case 'path.extname':
    case 'path.relative':
      if (strings) return (path[method.slice(5) as 'join'] as (...parts: string[]) => string)(...strings);
      break;
    case 'url.fileURLToPath': {
      const [url] = args;
      if (url instanceof StaticURL || typeof url === 'string') {
        const href = url instanceof StaticURL ? url.href : url;
        try {
          return fileURLToPath(href);
        } catch {
          return unknown(`converts ${href}, which is no local file URL`);
        }
      }
      break;
    }
    case 'url.pathToFileURL':
      if (strings?.length === 1) return new StaticURL(pathToFileURL(strings[0]!).href);
      break;
    case 'URL':
    case 'url.URL': {
      if (!isNew) break;
      const [input, base] = args.map((arg) => (arg instanceof StaticURL ? arg.href : arg));
      if (typeof input === 'string' && (base === undefined || typeof base === 'string')) {
        return URL.canParse(input, base)
          ? new StaticURL(new URL(input, base).href)
          : unknown('builds an invalid URL');
      }
      break;
    }
    case 'process.cwd':
      return cwd;
  }
  return unknown(`calls ${name}()`);
}

export function member(object: StaticValue, key: string, unknown: (reason: string) => Unknown): StaticValue {
  if (object instanceof Unknown) return object;
  if (object instanceof Builtin) {
    if (object.name === 'import.meta') {
      if (key === 'url') return new Builtin('import.meta.url');
      if (key === 'dirname' || key === 'filename') return new Builtin(`import.meta.${key}`);
      return unknown(`reads import.meta.${key}`);
    }
    if (object.name === 'process' && key === 'env') return unknown('reads process.env');
    return new Builtin(`${object.name}.${key}`);
  }
  if (object instanceof StaticURL) {
    if (key === 'href') return object.href;
    if (key === 'pathname') return new URL(object.href).pathname;
    return unknown(`reads URL.${key}`);
  }
  if (Array.isArray(object)) {
    if (key === 'length') return object.length;
    return /^\d+$/.test(key) ? object[Number(key)] : unknown(`calls array.${key}`);
  }
  if (typeof object === 'string') return key === 'length' ? object.length : unknown(`calls string.${key}`);
  if (isObject(object)) return Object.hasOwn(object, key) ? object[key] : object[UNKNOWN_KEYS];
  return unknown(`reads .${key} of ${object === null ? 'null' : typeof object}`);
}

/** `import.meta.url` and friends, once the module they are read in is known. */
export function moduleValue(value: StaticValue, module: Module): StaticValue {
  if (!(value instanceof Builtin)) return value;
  if (value.name === 'import.meta.url') return pathToFileURL(module.file).href;
  if (value.name === 'import.meta.dirname') return dirname(module.file);
  if (value.name === 'import.meta.filename') return module.file;
  return value;
}
