/**
 * The groups the catalog is offered in (`--toolsets`, and per practice through the gates). A tool
 * file lives in the folder of its toolset. Here rather than in src/tools/ so that configuration
 * and the gates can name toolsets without importing the tools.
 */
export const TOOLSETS = ['scheduling', 'patients', 'insurance', 'reports', 'worklists'] as const;
export type Toolset = (typeof TOOLSETS)[number];

/**
 * The toolsets offered when --toolsets is not given: every one today. The listing of them all
 * outgrows the listing budget as the catalog grows (test/integration/toolsets.test.ts prints its
 * size); this is the one place that narrows the default.
 */
export const DEFAULT_TOOLSETS: readonly Toolset[] = TOOLSETS;
