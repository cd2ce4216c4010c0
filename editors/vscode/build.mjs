// Bundles the extension into one CommonJS file, dist/extension.js: VS Code provides `vscode` and Node's
// own modules; vscode-languageclient and everything it needs go into the bundle, so the package ships no
// node_modules (vsce package --no-dependencies).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
// `node build.mjs [outfile]`: the bundle goes to dist/extension.js unless told otherwise.
const outfile = process.argv[2] ?? join(here, 'dist/extension.js');

await build({
  entryPoints: [join(here, 'src/extension.mts')],
  outfile,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['vscode'],
  minify: true,
  logLevel: 'warning',
});
