/** SQL both stores' window reads share: the same columns in the same order, so one row mapper reads both. */

export const FAILED = "a.status IN ('failed', 'error')";

/** Text of failures only; texts stored once come as ids, resolved through a cache (see TextReader). */
export const TEXT_COLUMNS = `
  CASE WHEN ${FAILED} THEN a.message END, CASE WHEN ${FAILED} THEN a.stack END,
  CASE WHEN ${FAILED} THEN a.output END, CASE WHEN ${FAILED} THEN a.message_text END,
  CASE WHEN ${FAILED} THEN a.stack_text END, CASE WHEN ${FAILED} THEN a.output_text END`;

/** An attempt that makes its test worth reading attempt by attempt (see WindowTest.attempts). */
export const LOUD = "(a.status IN ('failed', 'error') OR (a.retry > 0 AND a.status <> 'skipped'))";
