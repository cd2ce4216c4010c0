import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WorkspaceEdit } from 'vscode-languageserver';
import { TestloopError } from '../errors.ts';
import { filesOfPatch } from '../generate/output.ts';
import type { GenerateResult } from '../generate/types.ts';
import type { LspSettings } from './settings.ts';

export interface GeneratedTest {
  /** Creates each new test file with its content; nothing in the repository is written until applied. */
  edit: WorkspaceEdit;
  /** One line for the user: what was made, or why nothing was. */
  summary: string;
  result: GenerateResult;
}

/**
 * `testloop generate --target file:symbol` through the library: validated as generate validates (the
 * candidates run in its sandboxed child), the model from the settings or, without one, the offline stub
 * engine's skeleton. The new files come back as an edit the editor applies.
 */
export async function generateTestFor(
  root: string,
  cwd: string,
  file: string,
  symbol: string,
  settings: LspSettings,
  options: { env: NodeJS.ProcessEnv; log: (line: string) => void },
): Promise<GeneratedTest> {
  const { generateTests } = await import('../generate/pipeline.ts');
  const dir = await mkdtemp(join(tmpdir(), 'testloop-lsp-'));
  try {
    const patch = join(dir, 'tests.diff');
    const model = settings.model;
    const result = await generateTests({
      cwd,
      targets: [`${relative(cwd, join(root, file)).split('\\').join('/')}:${symbol}`],
      ...(settings.coverage === undefined ? {} : { coverage: settings.coverage }),
      ...(model?.baseUrl ? { engine: 'llm' as const, llm: model } : { engine: 'stub' as const }),
      patch,
      env: options.env,
      log: options.log,
    });
    const files = filesOfPatch(await readFile(patch, 'utf8').catch(() => ''));
    if (files.length === 0)
      throw new TestloopError('TESTLOOP_OUTPUT', `no test for ${symbol}: ${whyNone(result)}`);
    const edit: WorkspaceEdit = {
      documentChanges: files.flatMap((f) => {
        const uri = pathToFileURL(join(root, f.path)).href;
        return [
          { kind: 'create' as const, uri, options: { overwrite: false, ignoreIfExists: false } },
          {
            textDocument: { uri, version: null },
            edits: [
              {
                range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
                newText: f.content,
              },
            ],
          },
        ];
      }),
    };
    return { edit, summary: summaryOf(result), result };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function summaryOf(result: GenerateResult): string {
  const accepted = result.accepted[0];
  if (accepted)
    return `testloop: ${accepted.testFile}: a test that passes repeatedly and covers ${accepted.newlyCoveredLines.length} new line(s)`;
  const stub = result.stubs[0];
  if (stub)
    return `testloop: ${stub.testFile}: a skeleton with ${stub.todos} todo(s), not a test yet (no model is configured: set initializationOptions.model)`;
  return 'testloop: no test';
}

/** Why a run made no file: the target's own reason, or the endpoint's failure. */
function whyNone(result: GenerateResult): string {
  if (result.llmError)
    return `the model endpoint failed (${result.llmError.code}): ${result.llmError.message}`;
  const reason = result.discarded[0]?.reason ?? result.skipped?.[0]?.reason ?? result.warnings?.[0];
  return reason ?? 'the generator made no test';
}
