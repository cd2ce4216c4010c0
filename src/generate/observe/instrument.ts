// The scratch copy of a test file: each recordable expression of the line wrapped in the recorder, on
// the same lines and in the same order as before (stack traces still point at the user's lines), and the
// recorder appended at the end (a function declaration: hoisted, whatever the module system).
import type { Recordable } from './locate.ts';
import { RECORDER, recorderSource } from './recorder.ts';

export function instrument(
  text: string,
  recordables: readonly Recordable[],
  style: 'expect' | 'assert',
): string {
  let out = text;
  // Last first: the offsets of earlier expressions stay valid.
  for (const r of [...recordables].sort((a, b) => b.start - a.start)) {
    const expression = out.slice(r.start, r.end);
    // An expression that awaits cannot move into a function: its value passes through, and an evaluation
    // that starts but never returns one threw (or was rejected).
    const wrapped = r.suspends
      ? `(${RECORDER}.start(${r.id}), ${RECORDER}.value(${r.id}, (${expression})))`
      : `${RECORDER}(${r.id}, () => (${expression}))`;
    out = out.slice(0, r.start) + wrapped + out.slice(r.end);
  }
  return `${out}\n${recorderSource(style)}`;
}
