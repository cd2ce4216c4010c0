// Stores a stand-in answer for a recorded prompt: `node bench/generate-eval/answer.js <repo> <hash> <file>`
// writes the test file as the JSON reply `{"code": …}` that testloop's structured-output schema asks for
// (`--fenced` stores it as a single fenced block instead, the form of servers without structured output).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [repo, hash, file, ...flags] = process.argv.slice(2);
if (!repo || !hash || !file) {
  process.stderr.write('usage: node bench/generate-eval/answer.js <repo> <hash> <test-file> [--fenced]\n');
  process.exit(2);
}
const code = readFileSync(file, 'utf8');
const reply = flags.includes('--fenced') ? `\`\`\`ts\n${code.trimEnd()}\n\`\`\`\n` : JSON.stringify({ code });
const dir = join(dirname(fileURLToPath(import.meta.url)), 'answers', repo);
mkdirSync(dir, { recursive: true });
// Written aside then renamed: the recording server polls for the file and must never read half of it.
writeFileSync(join(dir, `.${hash}.tmp`), reply);
renameSync(join(dir, `.${hash}.tmp`), join(dir, `${hash}.txt`));
