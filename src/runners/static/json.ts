import { readInput } from '../inputs.ts';
import { type StaticValue, Unknown } from './values.ts';

/** Parses JSON config: package.json#jest, jest.config.json, vitest.workspace.json. */
export function loadJson(file: string): StaticValue {
  try {
    return JSON.parse(readInput(file)) as StaticValue;
  } catch (error) {
    return new Unknown(`is not valid JSON (${(error as Error).message})`, file, 1);
  }
}
