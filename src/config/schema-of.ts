import type { ZodObject, ZodOptional, ZodType } from 'zod';
import * as z from 'zod';
import { DURATION_MESSAGE, parseDuration } from './duration.ts';
import type { OptionSpec, OptionTable } from './option-table.ts';

/** The zod schema of an option table: the same rules `acceptsAsIs` checks, with zod's messages. */
export function schemaOf(table: OptionTable): ZodObject<Record<string, ZodOptional<ZodType>>> {
  const shape: Record<string, ZodOptional<ZodType>> = {};
  for (const [key, spec] of Object.entries(table))
    shape[key] = fieldOf(spec).optional().describe(spec.description);
  return z.object(shape);
}

function fieldOf(spec: OptionSpec): ZodType {
  if (spec.type === 'boolean') return z.boolean();
  if (spec.type === 'number') return numberOf(spec);
  if (spec.type === 'array') return z.array(textOf(spec));
  return textOf(spec);
}

/** A string option, or one item of an array option. */
function textOf(spec: OptionSpec): ZodType {
  if (spec.choices) return z.enum(spec.choices as [string, ...string[]]);
  if (spec.format === 'url') return z.string().url();
  if (spec.format === 'duration')
    return z.string().refine((value) => parseDuration(value) !== undefined, { message: DURATION_MESSAGE });
  if (spec.pattern) return z.string().regex(spec.pattern.regex, spec.pattern.message);
  return z.string().min(1);
}

function numberOf(spec: OptionSpec): ZodType {
  let field = z.number();
  if (spec.integer) field = field.int();
  if (spec.min !== undefined) field = field.min(spec.min);
  if (spec.max !== undefined) field = field.max(spec.max);
  if (spec.above !== undefined) field = field.gt(spec.above);
  return field;
}
