import { cloverReader } from './readers/clover.ts';
import { coberturaReader } from './readers/cobertura.ts';
import { istanbulReader } from './readers/istanbul.ts';
import { jacocoReader } from './readers/jacoco.ts';
import { lcovReader } from './readers/lcov.ts';
import { v8Reader } from './readers/v8.ts';
import type { CoverageReader } from './types.ts';

/** Detection order matters only where sniffing overlaps: the XML dialects check their root element. */
export const coverageReaders: readonly CoverageReader[] = [
  lcovReader,
  istanbulReader,
  v8Reader,
  coberturaReader,
  cloverReader,
  jacocoReader,
];

export function readerByName(name: string): CoverageReader | undefined {
  return coverageReaders.find((reader) => reader.name === name);
}
