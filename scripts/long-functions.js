// Lists every function, method and arrow function in src/ longer than a limit (80 lines unless
// `--max <n>` says otherwise), longest first, as `file:line  length  name`. A function that is long for
// a reason says so in a line starting `long:` in the comment just above it (or above its declaration);
// those are listed apart so that the count of unexplained long functions is what the script reports.
// Usage: node scripts/long-functions.js [--max 80] [--json] [folder...]
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSync } from 'oxc-parser';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const maxAt = args.indexOf('--max');
const max = maxAt === -1 ? 80 : Number(args[maxAt + 1]);
const json = args.includes('--json');
const folders = args.filter((arg, i) => !arg.startsWith('--') && i !== maxAt + 1);
const FUNCTION_TYPES = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return /\.(c|m)?[jt]sx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function lineStarts(text) {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

function lineOf(starts, offset) {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid] <= offset) low = mid;
    else high = mid - 1;
  }
  return low + 1;
}

// The name a function is known by: its own, the variable, property or method it is assigned to.
function nameOf(node, parent) {
  if (node.id?.name) return node.id.name;
  if (!parent) return '(anonymous)';
  if (parent.type === 'VariableDeclarator' && parent.id.type === 'Identifier') return parent.id.name;
  if (['Property', 'MethodDefinition', 'PropertyDefinition'].includes(parent.type)) {
    return parent.key.name ?? parent.key.value ?? '(computed)';
  }
  if (parent.type === 'AssignmentExpression' && parent.left.type === 'MemberExpression') {
    return parent.left.property.name ?? '(computed)';
  }
  if (parent.type === 'CallExpression') return `(argument of ${calleeName(parent.callee)})`;
  return '(anonymous)';
}

function calleeName(callee) {
  if (callee.type === 'Identifier') return callee.name;
  if (callee.type === 'MemberExpression')
    return `${calleeName(callee.object)}.${callee.property.name ?? '?'}`;
  return '?';
}

// The statement a function belongs to, whose preceding line may hold the `long:` reason.
function ownerStart(ancestors, node) {
  let start = node.start;
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const a = ancestors[i];
    const owns = [
      'VariableDeclarator',
      'VariableDeclaration',
      'ExportNamedDeclaration',
      'ExportDefaultDeclaration',
      'Property',
      'MethodDefinition',
      'PropertyDefinition',
    ];
    if (!owns.includes(a.type)) break;
    start = a.start;
  }
  return start;
}

// The comment block just above the function (or its declaration) holds a line starting `long:`.
function hasReason(lines, startLine) {
  for (let line = startLine - 1; line >= 1; line--) {
    const text = lines[line - 1].trim();
    if (!text.startsWith('//') && !text.startsWith('*') && !text.startsWith('/*')) return false;
    if (/^(\/\/|\*|\/\*\*?)\s*long:/.test(text)) return true;
  }
  return false;
}

function longFunctions(file) {
  const text = readFileSync(file, 'utf8');
  const { program } = parseSync(file, text);
  const starts = lineStarts(text);
  const lines = text.split('\n');
  const found = [];
  const visit = (node, ancestors) => {
    if (!node || typeof node.type !== 'string') return;
    if (FUNCTION_TYPES.has(node.type)) {
      const first = lineOf(starts, node.start);
      const length = lineOf(starts, node.end) - first + 1;
      if (length > max) {
        const parent = ancestors.at(-1);
        const declared = lineOf(starts, ownerStart(ancestors, node));
        const name = nameOf(node, parent);
        found.push({
          file: relative(root, file),
          line: first,
          length,
          name,
          reason: hasReason(lines, declared),
        });
      }
    }
    const next = [...ancestors, node];
    for (const [key, value] of Object.entries(node)) {
      if (key === 'parent') continue;
      if (Array.isArray(value)) for (const child of value) visit(child, next);
      else if (value && typeof value === 'object') visit(value, next);
    }
  };
  visit(program, []);
  return found;
}

const files = (folders.length > 0 ? folders : ['src']).flatMap((dir) => sourceFiles(join(root, dir)));
const all = files.flatMap(longFunctions).sort((a, b) => b.length - a.length || a.file.localeCompare(b.file));
const unexplained = all.filter((f) => !f.reason);
const explained = all.filter((f) => f.reason);

if (json) {
  console.log(JSON.stringify({ max, unexplained, explained }, null, 2));
} else {
  const row = (f) => `${String(f.length).padStart(5)}  ${f.file}:${f.line}  ${f.name}`;
  console.log(`${unexplained.length} functions over ${max} lines without a reason:`);
  for (const f of unexplained) console.log(row(f));
  if (explained.length > 0) {
    console.log(`\n${explained.length} functions over ${max} lines with a \`long:\` reason in a comment:`);
    for (const f of explained) console.log(row(f));
  }
}
