/**
 * `[[ATTACHMENT|path]]` in a test case's output names a file the run attached to it (Jenkins' attachments
 * convention, which Playwright's JUnit reporter follows: traces, screenshots, videos).
 */
const ATTACHMENT = /\[\[ATTACHMENT\|([^\]\n]+)\]\]/g;

/** The output with each attachment's path rewritten by `anchor` (given the path, trimmed). */
export function mapAttachments(output: string, anchor: (path: string) => string): string {
  return output.replace(ATTACHMENT, (_, path: string) => `[[ATTACHMENT|${anchor(path.trim())}]]`);
}

/** The paths an output attaches, in order, trimmed. */
export function attachmentPaths(output: string): string[] {
  return [...output.matchAll(ATTACHMENT)].map((match) => match[1]!.trim());
}
