import { GAPS_OPTIONS } from './gaps-options.ts';
import { schemaOf } from './schema-of.ts';

/** Loaded only when a config file or a TESTLOOP_* variable is there to validate, or a flag is invalid. */
export const gapsOptionsSchema = schemaOf(GAPS_OPTIONS);
