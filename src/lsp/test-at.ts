import { forEachChild, type Node, parseSource } from '../generate/ast.ts';

/** A test call of a test file: its suites (outermost first) and its name. */
export interface TestAtPosition {
  suite: string[];
  name: string;
}

const TEST = new Set(['it', 'test']);
const SUITE = new Set(['describe', 'suite']);
/** it.only, test.skip, describe.concurrent…: the same test or suite, run differently. */
const MODIFIERS = new Set(['only', 'skip', 'todo', 'concurrent', 'sequential', 'fails', 'runIf', 'skipIf']);

/**
 * The `it`/`test` call whose name or callee holds the UTF-16 `offset`, with the `describe` titles around
 * it; undefined elsewhere, and for titles that are not plain strings (a template with expressions).
 */
export function testAt(file: string, text: string, offset: number): TestAtPosition | undefined {
  const parsed = parseSource(file, text);
  const suites: string[] = [];
  let found: TestAtPosition | undefined;
  const visit = (node: Node): void => {
    if (found || node.start > offset || node.end < offset) return;
    if (node.type === 'CallExpression') {
      const kind = calleeKind(node.callee);
      const title = titleOf(node.arguments?.[0]);
      if (kind === 'test' && title !== undefined && offset <= node.arguments[0].end) {
        found = { suite: [...suites], name: title };
        return;
      }
      if (kind === 'suite' && title !== undefined) {
        suites.push(title);
        forEachChild(node, visit);
        suites.pop();
        return;
      }
    }
    forEachChild(node, visit);
  };
  visit(parsed.program);
  return found;
}

function calleeKind(callee: Node): 'test' | 'suite' | undefined {
  let node = callee;
  while (node?.type === 'MemberExpression' && MODIFIERS.has(node.property?.name)) node = node.object;
  if (node?.type !== 'Identifier') return undefined;
  if (TEST.has(node.name)) return 'test';
  return SUITE.has(node.name) ? 'suite' : undefined;
}

function titleOf(node: Node): string | undefined {
  if (node?.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node?.type === 'TemplateLiteral' && node.expressions.length === 0) return node.quasis[0]?.value?.cooked;
  return undefined;
}
