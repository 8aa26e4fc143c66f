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

const PRECONVERTED: PreconvertedSchemas | undefined =
  typeof __ESCAPE_PRECONVERTED_SCHEMAS__ === 'undefined' ? undefined : __ESCAPE_PRECONVERTED_SCHEMAS__;

type ListedSchemas = PreconvertedSchemas['tools'][string];

// HTTP builds a server per request: the schemas with the practice argument are put together once
// per tool and practice list, not on every request.
const withPractice = new Map<string, ListedSchemas>();

/**
 * A tool's advertised schemas from the build-time conversion, with the `practice` argument when it
 * takes one (optional only while the practice list is not known).
 */
export function preconvertedFor(
  tool: string,
  practiceDescription: string | undefined,
  practiceOptional = false,
): ListedSchemas | undefined {
  const converted = PRECONVERTED?.tools[tool];
  if (!PRECONVERTED || !converted || practiceDescription === undefined) return converted;
  const key = `${tool}\u0000${practiceDescription}\u0000${practiceOptional}`;
  let listed = withPractice.get(key);
  if (!listed) {
    const input = converted.input;
    listed = {
      input: {
        ...input,
        properties: {
          ...(input.properties as Record<string, unknown> | undefined),
          practice: { ...PRECONVERTED.practiceArgument, description: practiceDescription },
        },
        ...(practiceOptional ? {} : { required: [...((input.required as string[] | undefined) ?? []), 'practice'] }),
      },
      output: converted.output,
    };
    withPractice.set(key, listed);
  }
  return listed;
}
