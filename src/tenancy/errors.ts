/**
 * Refusals of access, raised wherever a message is decided (tenancy, gates, the call itself) and
 * turned into the tool's text by the tool error mapper. Each message says what was wrong and what
 * to do instead.
 */

/** The practice argument is missing, unknown or ambiguous. */
export class PracticeSelectionError extends Error {
  override name = 'PracticeSelectionError';
}

/** The tool is not available to this caller for this practice (gate, scope or read-only). */
export class ToolRefusedError extends Error {
  override name = 'ToolRefusedError';
}
