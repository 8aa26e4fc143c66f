/**
 * The catalog's JSON Schemas converted when the bundle is built: `scripts/build-cli.mjs` defines
 * the constant below. Run from source (tests, tsx) it is absent and schemas are converted on first
 * use; the test in test/integration/stdio.test.ts holds the two to the same tools/list.
 */

export interface PreconvertedSchemas {
  tools: Record<string, { input: Record<string, unknown>; output: Record<string, unknown> }>;
  /** The `practice` argument an unpinned server adds to every tool, its description filled in at start. */
  practiceArgument: Record<string, unknown>;
}

declare const __ESCAPE_PRECONVERTED_SCHEMAS__: PreconvertedSchemas | undefined;

export const PRECONVERTED: PreconvertedSchemas | undefined =
  typeof __ESCAPE_PRECONVERTED_SCHEMAS__ === 'undefined' ? undefined : __ESCAPE_PRECONVERTED_SCHEMAS__;

/** A tool's advertised schemas from the build-time conversion, with the `practice` argument when it takes one. */
export function preconvertedFor(
  schemas: PreconvertedSchemas | undefined,
  tool: string,
  practiceDescription: string | undefined,
): { input: Record<string, unknown>; output: Record<string, unknown> } | undefined {
  const converted = schemas?.tools[tool];
  if (!schemas || !converted) return undefined;
  if (practiceDescription === undefined) return converted;
  const input = converted.input;
  return {
    input: {
      ...input,
      properties: {
        ...(input.properties as Record<string, unknown> | undefined),
        practice: { ...schemas.practiceArgument, description: practiceDescription },
      },
      required: [...((input.required as string[] | undefined) ?? []), 'practice'],
    },
    output: converted.output,
  };
}
