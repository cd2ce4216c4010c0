import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

export interface Generated {
  bytes: number;
  testcases: number;
  /** Attempts a reader must yield: flaky testcases count twice. */
  attempts: number;
  failed: number;
}

const STACK = Array.from(
  { length: 25 },
  (_, i) => `\tat com.example.service.CartService.step${i}(CartService.java:${100 + i})`,
).join('\n');
const OUTPUT = Array.from(
  { length: 12 },
  (_, i) => `10:00:0${i % 10}.123 INFO  [main] c.e.s.CartService - order ${i} &amp; stock checked`,
).join('\n');

/**
 * Writes a Surefire-style JUnit report of about `megabytes` MB, shaped like real ones: mostly passing
 * testcases, every 17th failing with a stack and captured output, every 25th skipped, every 40th flaky
 * (a `<flakyFailure>` before the pass), entities and CDATA throughout.
 */
export async function generateJUnit(path: string, megabytes: number): Promise<Generated> {
  const out = createWriteStream(path);
  const target = megabytes * 1024 * 1024;
  const stats: Generated = { bytes: 0, testcases: 0, attempts: 0, failed: 0 };
  const write = async (text: string) => {
    stats.bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n');
  for (let suite = 0; stats.bytes < target; suite++) {
    const classname = `com.example.service.CartService${suite}Test`;
    let chunk = `  <testsuite name="${classname}" tests="50" time="12.5">\n`;
    for (let i = 0; i < 50; i++) {
      stats.testcases++;
      stats.attempts++;
      const open = `    <testcase name="handles scenario ${i} &lt;${suite}&gt;" classname="${classname}" time="0.${100 + i}"`;
      if (i % 17 === 5) {
        stats.failed++;
        chunk += `${open}>\n      <failure message="expected: &lt;${i}&gt; but was: &lt;${i + 1}&gt;" type="org.opentest4j.AssertionFailedError"><![CDATA[org.opentest4j.AssertionFailedError: expected: <${i}> but was: <${i + 1}>\n${STACK}\n]]></failure>\n      <system-out><![CDATA[${OUTPUT}\n]]></system-out>\n    </testcase>\n`;
      } else if (i % 25 === 7) {
        chunk += `${open}>\n      <skipped message="disabled on CI"/>\n    </testcase>\n`;
      } else if (i % 40 === 11) {
        stats.attempts++;
        stats.failed++;
        chunk += `${open}>\n      <flakyFailure message="timed out" type="java.util.concurrent.TimeoutException"><stackTrace>java.util.concurrent.TimeoutException: timed out\n${STACK}</stackTrace></flakyFailure>\n    </testcase>\n`;
      } else {
        chunk += `${open}/>\n`;
      }
    }
    await write(`${chunk}  </testsuite>\n`);
  }
  await write('</testsuites>\n');
  out.end();
  await once(out, 'finish');
  return stats;
}
