// The JUnit reporter testloop gives `node --test` (built to dist/runners/node-junit-reporter.js): the shape
// of Node's own `--test-reporter=junit` (nested <testsuite> for describes, classname "test", disabled="0"
// on suites, so src/junit/ reads it as the node-test dialect) with each testcase's file, which Node's
// reporter leaves out (Node 20 and 22). Without it, two files' tests of one name are one test to triage,
// and a run of several files cannot say which file failed.
import { relative, sep } from 'node:path';
import { inspect } from 'node:util';
import { xml } from '../../junit/xml-text.ts';

interface TestEventData {
  name: string;
  nesting: number;
  file?: string;
  details?: { duration_ms?: number; type?: string; error?: unknown };
  skip?: string | boolean;
  todo?: string | boolean;
}

interface TestEvent {
  type: string;
  data: TestEventData;
}

interface TestNode {
  name: string;
  nesting: number;
  file: string;
  parent: TestNode | undefined;
  children: TestNode[];
  done?: { failed: boolean; seconds: string; skipped?: string; error?: unknown };
}

export default async function* junitWithFiles(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const roots: TestNode[] = [];
  // Files run in processes of their own and their events may interleave: one open test per file.
  const open = new Map<string, TestNode | undefined>();
  for await (const event of source) {
    if (event.type !== 'test:start' && event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { data } = event;
    const file = data.file ?? '';
    const innermost = open.get(file);
    if (event.type === 'test:start') {
      open.set(file, start(data, file, innermost, roots));
      continue;
    }
    // The test that ends is the open one or one around it (a concurrent subtest may end after a sibling
    // started); one never seen starting is added where it ends.
    let current = innermost;
    while (current !== undefined && (current.name !== data.name || current.nesting !== data.nesting))
      current = current.parent;
    current ??= start(data, file, innermost, roots);
    current.done = {
      failed: event.type === 'test:fail',
      seconds: ((data.details?.duration_ms ?? 0) / 1000).toFixed(6),
      ...skipReason(data),
      ...(event.type === 'test:fail' ? { error: data.details?.error } : {}),
    };
    open.set(file, current.parent);
  }
  yield '<?xml version="1.0" encoding="utf-8"?>\n<testsuites>\n';
  for (const root of roots) yield element(root, 1);
  yield '</testsuites>\n';
}

function start(data: TestEventData, file: string, parent: TestNode | undefined, roots: TestNode[]): TestNode {
  // A test at the nesting of the open one (or above) is its sibling (or its parent's).
  let owner = parent;
  while (owner !== undefined && owner.nesting >= data.nesting) owner = owner.parent;
  const node: TestNode = { name: data.name, nesting: data.nesting, file, parent: owner, children: [] };
  if (owner) owner.children.push(node);
  else roots.push(node);
  return node;
}

function skipReason(data: TestEventData): { skipped?: string } {
  const why = data.skip ?? data.todo;
  if (why === undefined || why === false) return {};
  return { skipped: typeof why === 'string' ? why : data.todo !== undefined ? 'todo' : 'skipped' };
}

/** The file as the runner's folder names it; a file that did not load is a test named by its path. */
function local(path: string): string {
  return path === '' ? '' : relative(process.cwd(), path).split(sep).join('/');
}

/** What a test that never ended is reported as. */
const NOT_ENDED: NonNullable<TestNode['done']> = { failed: false, seconds: '0.000000' };

/** A test's name in the report: a file that did not load is named by its path. */
function nameOf(node: TestNode): string {
  return node.name === node.file ? local(node.file) : node.name;
}

function element(node: TestNode, depth: number): string {
  if (node.children.length > 0) {
    const indent = '\t'.repeat(depth);
    const done = node.done ?? NOT_ENDED;
    const cases = leaves(node);
    // A suite or parent test can fail with every test in it passing (a hook threw, or the parent's own
    // assertion after its subtests): that failure is a testcase of its own, or no report would show it.
    const own = done.failed && !cases.some((leaf) => leaf.done?.failed);
    const failures = cases.filter((leaf) => leaf.done?.failed).length + (own ? 1 : 0);
    const skipped = cases.filter((leaf) => leaf.done?.skipped !== undefined).length;
    const attrs = `name="${xml(nameOf(node))}" time="${done.seconds}" disabled="0" errors="0" tests="${cases.length + (own ? 1 : 0)}" failures="${failures}" skipped="${skipped}"`;
    const inner = node.children.map((child) => element(child, depth + 1)).join('');
    const ownCase = own ? testcase({ ...node, children: [] }, depth + 1) : '';
    return `${indent}<testsuite ${attrs}>\n${inner}${ownCase}${indent}</testsuite>\n`;
  }
  return testcase(node, depth);
}

function testcase(node: TestNode, depth: number): string {
  const indent = '\t'.repeat(depth);
  const done = node.done ?? NOT_ENDED;
  const attrs = `name="${xml(nameOf(node))}" time="${done.seconds}" classname="test" file="${xml(local(node.file))}"`;
  if (done.skipped !== undefined)
    return `${indent}<testcase ${attrs}>\n${indent}\t<skipped message="${xml(done.skipped)}"/>\n${indent}</testcase>\n`;
  if (!done.failed) return `${indent}<testcase ${attrs}/>\n`;
  const { message, type, text } = describeError(done.error);
  return `${indent}<testcase ${attrs}>\n${indent}\t<failure type="${xml(type)}" message="${xml(message)}">\n${xml(text)}\n${indent}\t</failure>\n${indent}</testcase>\n`;
}

function leaves(node: TestNode): TestNode[] {
  return node.children.length === 0 ? [node] : node.children.flatMap(leaves);
}

/** A test's failure is Node's ERR_TEST_FAILURE around what the test threw (its `cause`). */
function describeError(error: unknown): { message: string; type: string; text: string } {
  const wrapper = error as { cause?: unknown; failureType?: string; message?: string } | undefined;
  const thrown = wrapper?.cause instanceof Error ? wrapper.cause : error;
  const message = thrown instanceof Error ? thrown.message : String(wrapper?.message ?? thrown ?? 'failed');
  return {
    message: message.split('\n')[0] ?? '',
    type: wrapper?.failureType ?? 'testCodeFailure',
    text: inspect(thrown, { depth: 4 }),
  };
}
