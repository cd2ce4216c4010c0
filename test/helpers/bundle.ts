import { build, type StdinOptions } from 'esbuild';

/**
 * Worker threads and child processes cannot load TypeScript: a test's script is bundled to `outfile` as
 * ESM for Node, its packages left to resolve from the repository's node_modules.
 */
export async function bundleForNode(input: { entry: string } | { stdin: StdinOptions }, outfile: string) {
  await build({
    ...('entry' in input ? { entryPoints: [input.entry] } : { stdin: input.stdin }),
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
}
