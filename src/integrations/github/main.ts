/** Entry of the bundled Action (dist/action.js): the environment in, the exit status out. */
import { runAction } from './action.ts';

const { runCi } = await import('../../ci/run-ci.ts');

process.exitCode = await runAction(process.env, { runCi });
