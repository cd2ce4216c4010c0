// What `testloop mcp` loads before it answers tools/list, kept lean: the build swaps the MCP SDK's ajv
// validator for one that loads ajv on first use and the tool list for the list it computes, and fails
// when a change pulls a heavy module back into the server's start (`import { z } from 'zod'` pulls in
// every zod locale; a static import of an engine loads it for every session).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const LAZY_VALIDATOR = fileURLToPath(new URL('../src/mcp/lazy-ajv-validator.ts', import.meta.url));
const TOOL_LIST = fileURLToPath(new URL('../src/mcp/tool-list.ts', import.meta.url));

/** esbuild plugin: the SDK's ajv-provider module becomes src/mcp/lazy-ajv-validator.ts. */
export const lazyAjvPlugin = {
  name: 'lazy-ajv',
  setup(build) {
    build.onResolve({ filter: /\/validation\/ajv-provider\.js$/ }, (args) =>
      /@modelcontextprotocol[\\/]sdk[\\/]/.test(args.importer) ? { path: LAZY_VALIDATOR } : undefined,
    );
  },
};

/**
 * esbuild plugin: src/mcp/tool-list.ts becomes the list it exports, as JSON. The module is bundled on its
 * own with the main build's options and run once here.
 */
export function toolListPlugin(options) {
  return {
    name: 'tool-list',
    setup(build) {
      build.onLoad({ filter: /[\\/]src[\\/]mcp[\\/]tool-list\.ts$/ }, async (args) => {
        if (args.path !== TOOL_LIST) return undefined;
        const list = await computeToolList(build.esbuild, options);
        return { contents: `export const TOOL_LIST = ${JSON.stringify(list)};`, loader: 'js' };
      });
    },
  };
}

async function computeToolList(esbuild, options) {
  const dir = mkdtempSync(join(tmpdir(), 'testloop-tool-list-'));
  try {
    // Split like the main build, so that what the tools import only when called stays unloaded here.
    await esbuild.build({
      entryPoints: { 'tool-list': TOOL_LIST },
      outdir: dir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: options.target,
      external: options.external,
      banner: options.banner,
      logLevel: 'warning',
    });
    return (await import(pathToFileURL(join(dir, 'tool-list.mjs')).href)).TOOL_LIST;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The modules of `testloop mcp` start: the CLI entry, the mcp command and the server it imports. */
const STARTUP_SOURCES = ['src/cli/main.ts', 'src/cli/mcp.ts', 'src/mcp/server.ts'];

/** Inputs that must not be among them (paths as esbuild's metafile names them). */
const HEAVY = [
  {
    pattern: /node_modules\/ajv\//,
    why: 'ajv (the SDK validator is swapped for src/mcp/lazy-ajv-validator.ts)',
  },
  {
    pattern: /node_modules\/zod\/v4\/locales\/(?!en\.js)/,
    why: "zod's locales (import * as z from 'zod', not { z })",
  },
  {
    pattern: /^src\/(graph|gaps|generate|triage|coverage|runners)\//,
    why: 'an engine (import it inside the tool call)',
  },
  { pattern: /^src\/mcp\/tools\//, why: 'a tool (the tools load on the first tools/call)' },
  {
    pattern: /^src\/select\/select-tests\.ts$/,
    why: 'the selection engine (import it inside the tool call)',
  },
];
const HEAVY_EXTERNALS = ['oxc-parser', 'oxc-resolver', 'better-sqlite3', 'pg', 'openai'];

/** Fails the build when the static imports of `testloop mcp`'s start reach a heavy module. */
export function checkMcpStartup(metafile) {
  const outputs = metafile.outputs;
  const chunkOf = (source) =>
    Object.keys(outputs).find((out) => !out.endsWith('.map') && source in outputs[out].inputs);
  const chunks = new Set();
  const externals = new Set();
  const visit = (chunk) => {
    if (chunks.has(chunk)) return;
    chunks.add(chunk);
    for (const imported of outputs[chunk].imports) {
      if (imported.kind !== 'import-statement') continue;
      if (imported.external) externals.add(imported.path);
      else visit(imported.path);
    }
  };
  for (const source of STARTUP_SOURCES) {
    const chunk = chunkOf(source);
    if (!chunk) throw new Error(`build: ${source} is in no output chunk; update scripts/mcp-startup.js`);
    visit(chunk);
  }
  const problems = [];
  for (const chunk of chunks)
    for (const input of Object.keys(outputs[chunk].inputs))
      for (const heavy of HEAVY) if (heavy.pattern.test(input)) problems.push(`${input}: ${heavy.why}`);
  for (const name of externals)
    if (HEAVY_EXTERNALS.some((heavy) => name === heavy || name.startsWith(`${heavy}/`)))
      problems.push(`${name}: a native or client package (import it inside the tool call)`);
  if (problems.length > 0)
    throw new Error(
      `build: testloop mcp would load these before it answers tools/list:\n  ${problems.join('\n  ')}`,
    );
}
