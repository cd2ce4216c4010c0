export type ChangeStatus = 'added' | 'modified' | 'renamed' | 'copied' | 'deleted';

/** One file of a diff. `hunks` are the ranges of added or changed lines in the new file. */
export interface ChangedFile {
  path: string;
  oldPath?: string;
  status: ChangeStatus;
  binary: boolean;
  hunks: { start: number; end: number }[];
}
