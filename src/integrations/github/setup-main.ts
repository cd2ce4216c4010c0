/** Entry of the Action's `pre` step (dist/action-setup.js). */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDependencies } from './setup.ts';

const actionPath = process.env.GITHUB_ACTION_PATH ?? dirname(dirname(fileURLToPath(import.meta.url)));
const { status, message } = ensureDependencies(actionPath);
process.stdout.write(`${message}\n`);
process.exitCode = status;
