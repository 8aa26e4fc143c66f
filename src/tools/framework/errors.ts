/**
 * Errors a tool raises itself. Each message is written for the model and the person behind it:
 * what was wrong and what to do instead. Upstream errors (src/api/errors.ts) are mapped to
 * messages in `error-mapping.ts`.
 */

/** The arguments are wrong in a way the input schema cannot express (end before start, unknown provider…). */
export class ToolInputError extends Error {
  override name = 'ToolInputError';
}

/** The upstream answered, but not in a way that supports a reliable answer to this request. */
export class UnverifiableAnswerError extends Error {
  override name = 'UnverifiableAnswerError';
}
