import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GENERATE_OPTIONS } from '../../config/generate-options.ts';
import { omitOptions } from '../../config/option-table.ts';
import { schemaOf } from '../../config/schema-of.ts';
import { filesOfPatch } from '../../generate/output.ts';
import type { GenerateResult } from '../../generate/types.ts';
import { argvOf, callCli } from '../cli-call.ts';
import type { ToolDefinition } from '../tool.ts';

export const generateTestsTool: ToolDefinition = {
  name: 'generate_tests',
  title: 'Write validated tests for a change',
  description:
    "Unit tests for the coverage gaps of a change (`base`, `coverage`) or for `target` functions (file:symbol), kept only when they compile, pass repeatedly and cover new lines: the same JSON as `testloop generate --format json`, plus `files` (each new test file with its content) and `patchText` (a unified diff `git apply` reads). Nothing is written unless `write: true`. The model endpoint comes from the server's TESTLOOP_LLM_BASE_URL / TESTLOOP_LLM_MODEL, or `baseUrl` and `model`; without one the stub engine writes todo skeletons.",
  inputSchema: () => schemaOf(omitOptions(GENERATE_OPTIONS, ['format', 'patch'])),
  async call(args, context) {
    // The patch goes to a file of our own, outside the repository, and comes back in the answer.
    const dir = await mkdtemp(join(tmpdir(), 'testloop-mcp-'));
    try {
      const patchPath = join(dir, 'tests.diff');
      const argv = ['generate', '--format=json', `--patch=${patchPath}`, ...argvOf(GENERATE_OPTIONS, args)];
      const env = keysFor(args.baseUrl, context.env);
      const result = JSON.parse((await callCli(argv, { ...context, env })).stdout) as GenerateResult;
      const patchText = await readFile(patchPath, 'utf8').catch(() => '');
      const { patch: _temporary, ...rest } = result;
      const structured = { ...rest, files: filesOfPatch(patchText), patchText };
      return { summary: generateSummary(result, args.write === true), structured };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

/** The model API keys testloop reads from its environment. */
const API_KEYS = ['TESTLOOP_LLM_API_KEY', 'OPENAI_API_KEY'];

/**
 * The server's environment for a call, without its model API key when the call names an endpoint other
 * than the server's own: an agent's arguments (which text it has read may steer) never send the key to
 * a host the user did not configure. A local server needs no key.
 */
function keysFor(baseUrl: unknown, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const own = env.TESTLOOP_LLM_BASE_URL?.trim().replace(/\/+$/, '');
  if (typeof baseUrl !== 'string' || baseUrl.trim().replace(/\/+$/, '') === own) return env;
  const kept = { ...env };
  for (const name of API_KEYS) delete kept[name];
  return kept;
}

function generateSummary(result: GenerateResult, written: boolean): string {
  const where = written ? 'written' : 'not written (pass write: true, or apply patchText)';
  const lines = [
    `${result.accepted.length} test(s) accepted, ${result.discarded.length} discarded, ${result.stubs.length} skeleton(s), of ${result.stats.targets} target(s); files ${where}.`,
  ];
  for (const a of result.accepted)
    lines.push(`- ${a.target} → ${a.testFile} (covers ${a.newlyCoveredLines.length} new line(s))`);
  for (const d of result.discarded) lines.push(`- ${d.target}: not kept (${d.stage}): ${d.reason}`);
  for (const s of result.stubs)
    lines.push(`- ${s.target} → ${s.testFile}: skeleton with ${s.todos} todo(s), not a test yet`);
  if (result.llmError)
    lines.push(`The model endpoint failed (${result.llmError.code}): ${result.llmError.message}`);
  for (const warning of result.warnings ?? []) lines.push(`Warning: ${warning}`);
  return lines.join('\n');
}
