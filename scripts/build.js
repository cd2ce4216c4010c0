// Bundles the library and CLI entry points into dist/ so the bin shim starts without a TypeScript loader.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/index.ts', 'src/cli/main.ts'],
  outdir: 'dist',
  outbase: 'src',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
