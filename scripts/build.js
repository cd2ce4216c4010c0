// Bundles the library and CLI entry points into dist/ so the bin shim starts without a TypeScript loader.
// Code splitting keeps each command's dependencies in its own chunk, loaded only when that command runs.
// With --types (the package's prepare script, run by npm pack and by installs from git) it also writes the
// library's declaration files to dist/types, which package.json#exports names for TypeScript users.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { checkMcpStartup, lazyAjvPlugin, toolListPlugin } from './mcp-startup.js';

// Chunk names carry content hashes: start clean so that dist/ holds only this build.
rmSync('dist', { recursive: true, force: true });

// Pure-JS dependencies are bundled (one file to load instead of hundreds); native and WebAssembly
// packages stay external because they locate their binaries relative to their own folder.
const external = [
  'oxc-parser',
  'oxc-resolver',
  'es-module-lexer',
  'openai',
  'better-sqlite3',
  'pg',
  'playwright-core',
];
// Bundled CommonJS packages (v8-to-istanbul, picomatch) require Node built-ins at run time.
const banner = {
  js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
};

const { metafile } = await build({
  // dist/action.js and dist/action-setup.js are the GitHub Action's entries (action.yml).
  entryPoints: {
    index: 'src/index.ts',
    'cli/main': 'src/cli/main.ts',
    action: 'src/integrations/github/main.ts',
    'action-setup': 'src/integrations/github/setup-main.ts',
    // The validation process `testloop generate` starts for a vitest package (src/runners/vitest/driver/).
    'runners/vitest-driver': 'src/runners/vitest/driver/child.ts',
    // The child `select` starts to read a vitest config it cannot evaluate statically (src/runners/config-loader/).
    'runners/vitest-config': 'src/runners/vitest/config-child.ts',
    // The same for jest, through the package's own jest-config (src/runners/jest/).
    'runners/jest-config': 'src/runners/jest/config-child.ts',
    // The JUnit reporter `node --test` runs with, which names each test's file (src/runners/node-test/).
    'runners/node-junit-reporter': 'src/runners/node-test/junit-reporter.ts',
    // Reporters for the runners themselves: each failure explained while the suite runs (src/triage/live/).
    'reporter/vitest': 'src/triage/live/vitest-reporter.ts',
    'reporter/jest': 'src/triage/live/jest-reporter.ts',
    // The thread `testloop ingest` reads large reports on (src/triage/read-attempts.ts).
    'triage/read-attempts-worker': 'src/triage/read-attempts-worker.ts',
    // The thread a cold module graph build reads and scans part of its files on (src/graph/scan-ahead.ts).
    'graph/scan-worker': 'src/graph/scan-worker.ts',
  },
  outdir: 'dist',
  outbase: 'src',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  banner,
  sourcemap: true,
  logLevel: 'warning',
  plugins: [lazyAjvPlugin, toolListPlugin({ target: 'node20', external, banner })],
  metafile: true,
});
checkMcpStartup(metafile);

if (process.argv.includes('--types')) {
  // typescript's package exports do not include its bin: take it from the installed folder.
  const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
