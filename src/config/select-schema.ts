import { schemaOf } from './schema-of.ts';
import { SELECT_OPTIONS } from './select-options.ts';

/** Loaded only when a config file or a TESTLOOP_* variable is there to validate, or a flag is invalid. */
export const selectOptionsSchema = schemaOf(SELECT_OPTIONS);
