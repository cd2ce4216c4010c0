/**
 * A linter or type-check that does not finish judged nothing: runTool says it was cut at the time limit,
 * and the checks turn that into the validator's failure (the target discarded saying so) instead of a
 * lint or type error sent back to the model ("tsc failed:" with nothing after it, once).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTool, unfinished } from '../../src/generate/linters/tool.ts';
import { usePrivateTmpDir } from '../helpers/private-tmp.ts';

describe('generate: a tool cut at its time limit', () => {
  const tmp = usePrivateTmpDir('testloop-tool-timeout-');

  it('is reported as cut, not as a failing check', async () => {
    const slow = join(tmp, 'slow.js');
    writeFileSync(slow, 'setTimeout(() => {}, 60_000);\n');
    const result = await runTool(slow, [], tmp, undefined, {}, 300);
    expect(result.timedOut).toBe(true);
    expect(result.code).toBeNull();
  });

  it('is not cut when it finishes, whatever its exit code', async () => {
    const failing = join(tmp, 'failing.js');
    writeFileSync(failing, "process.stdout.write('x.ts(1,1): error TS2304'); process.exit(2);\n");
    const result = await runTool(failing, [], tmp, undefined, {}, 30_000);
    expect(result).toMatchObject({ timedOut: false, code: 2, stdout: 'x.ts(1,1): error TS2304' });
  });

  it('names the tool and the limit', () => {
    expect(unfinished('tsc').message).toBe(
      'tsc did not finish within 180 s, so the candidate could not be checked',
    );
  });
});
