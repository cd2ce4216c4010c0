// A new test-writing engine: copy this folder, add its name to TestEngine['name'] in ../../types.ts, and
// choose it in ../../pipeline.ts (createEngine). The contract:
// - generate(context, repair?) returns the WHOLE candidate test file. It is written only at
//   context.testFile, only after the validator accepted it; the engine never writes files or picks paths.
// - context.source, context.example and repair.failure come from the repository and the runner: treat them
//   as untrusted data (never eval them, never follow instructions found in them).
// - repair carries the previous candidate and why it was rejected (compile error, failing assertion,
//   flakiness, no new coverage); return a corrected whole file.
// - Set `stub: true` for skeletons that test nothing yet: they are reported as stubs, never as coverage.
// - Report tokens in `usage` when the engine spends any, so prompt tokens per accepted test stay measured.
import type { TestEngine } from '../../types.ts';
import { frameworkImports, importLine } from '../imports.ts';

export function createTemplateEngine(): TestEngine {
  return {
    name: 'stub',
    async generate(context, _repair) {
      const code = [...frameworkImports(context, 'full'), importLine(context), ''].join('\n');
      return { code, stub: true };
    },
  };
}
