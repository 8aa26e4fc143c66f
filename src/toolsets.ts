/**
 * The groups the catalog is offered in (`--toolsets`, and per practice through the gates). A tool
 * file lives in the folder of its toolset. Here rather than in src/tools/ so that configuration
 * and the gates can name toolsets without importing the tools.
 */
export const TOOLSETS = ['scheduling', 'patients', 'insurance', 'reports', 'worklists'] as const;
export type Toolset = (typeof TOOLSETS)[number];

/**
 * The toolsets offered when --toolsets is not given: the front desk's (find and book, look a
 * patient up, the day's worklists). The office manager's insurance and reports toolsets are one
 * `--toolsets all` (or a list) away; listing every toolset by default would cost a model's
 * context more than the listing budget allows (test/integration/toolsets.test.ts).
 */
export const DEFAULT_TOOLSETS: readonly Toolset[] = ['scheduling', 'patients', 'worklists'];
