/** Entry of the bundled Action (dist/action.js): the environment in, the exit status out. */
import { runAction } from './action.ts';

// biome-ignore lint/suspicious/noTsIgnore: run-ci.ts lands on another branch; drop this and the next line once it is merged
// @ts-ignore
const { runCi } = await import('../../ci/run-ci.ts');

process.exitCode = await runAction(process.env, { runCi });
