/**
 * Every registered tool has what CONTRIBUTING's "Adding a tool" asks for (test/helpers/catalog-check.ts):
 * a wire snapshot, known scopes, a docs entry, a sandbox route per declared operation, and an
 * entry in the sandbox's copy of Escape's MCP catalog. The failure lists what to add, per tool.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Scope } from '../../src/tenancy/types.js';
import type { AnyToolDefinition } from '../../src/tools/framework/types.js';
import { CATALOG } from '../../src/tools/registry.js';
import { catalogProblems, sandboxRoutes, toolFileProblems } from '../helpers/catalog-check.js';

const throwaway = (overrides: Partial<AnyToolDefinition> = {}): AnyToolDefinition => ({
  name: 'throwaway_tool',
  toolset: 'reports',
  title: 'Throwaway',
  description: 'A tool that exists only in this test.',
  inputSchema: z.object({}),
  outputSchema: z.object({}),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  requiredScopes: ['reports:read'],
  writes: false,
  operations: ['billing.production'],
  handler: async () => ({ structured: {}, summary: '' }),
  ...overrides,
});

describe('the catalog', () => {
  it('gives every registered tool each piece the recipe asks for', async () => {
    expect(await toolFileProblems()).toEqual([]);
    expect(catalogProblems()).toEqual([]);
  });

  it('names a tool file whose definition CATALOG lacks', async () => {
    const withoutFindSpot = CATALOG.filter((tool) => tool.name !== 'find_spot');
    expect(await toolFileProblems(withoutFindSpot)).toEqual([
      'find_spot: src/tools/scheduling/find-spot.ts exports findSpot, which is not in CATALOG; add it in src/tools/registry.ts',
    ]);
  });

  it('reads the routes the sandbox registers', () => {
    const routes = sandboxRoutes();
    expect(routes).toContain('GET /api/v1/practice/{}/provider/');
    expect(routes).toContain('POST /api/v1/practice/{}/scheduling/appointment/{}/transition/');
    expect(routes).not.toContain('GET /api/v1/practice/{}/no-such-thing/');
  });

  it('names, for a tool missing each piece, what to add and where', () => {
    const withoutRoutes = new Set(
      [...sandboxRoutes()].filter((route) => route !== 'GET /api/v1/practice/{}/billing/reports/production/'),
    );
    const tool = throwaway({ requiredScopes: ['reports:read', 'throwaway:read' as Scope] });
    expect(catalogProblems([tool], undefined, withoutRoutes)).toEqual([
      'throwaway_tool: no wire snapshot test/__toolsnaps__/throwaway_tool.json; run npm run toolsnaps',
      'throwaway_tool: requiredScopes names "throwaway:read", which is not in SCOPES (src/tenancy/types.ts)',
      'throwaway_tool: no entry in docs/tools.md; run npm run docs',
      'throwaway_tool: operation billing.production (GET /api/v1/practice/{practice}/billing/reports/production/) has no sandbox route; register one in src/sandbox/routes/',
      "throwaway_tool: no entry in MCP_CATALOG (src/sandbox/seed/org.ts), Escape's own list of MCP tools",
    ]);
  });

  it('refuses an operation the API client does not know', () => {
    const [claims] = CATALOG.filter((tool) => tool.name === 'claims_summary');
    const tool = {
      ...(claims as AnyToolDefinition),
      operations: ['insurance.noSuchThing'],
    } as unknown as AnyToolDefinition;
    expect(catalogProblems([tool])).toEqual([
      'claims_summary: operations names "insurance.noSuchThing", which is not in DEFAULT_OPERATIONS (src/api/paths.ts)',
    ]);
  });
});
