import { isAbsolute, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TextDocument } from 'vscode-languageserver-textdocument';

/** The repository-relative POSIX path of a document, or undefined for one outside the repository. */
export function repositoryPath(root: string, uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  const rel = relative(root, fileURLToPath(uri));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}

/** Length of a 0-based line of the document, without its line break. */
export function lineLengthIn(document: TextDocument): (line: number) => number {
  return (line) => {
    const text = document.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } });
    return text.replace(/\r?\n$/, '').length;
  };
}
