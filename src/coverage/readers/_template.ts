// A new coverage format: copy this file, fill in detect and read, and add the reader to ../registry.ts.
// Return paths as the report writes them; mapping onto the repository happens once, in ../paths.ts.
// Throw CoverageParseError(file, line, detail) for anything malformed: never return partial data.
import type { CoverageReader } from '../types.ts';

export const templateReader: CoverageReader = {
  name: 'template',
  detect(_path, _head, _isDirectory) {
    return false;
  },
  async read(path) {
    return { source: path, format: 'template', roots: [], files: [] };
  },
};
