/**
 * Our catalog in the Escape API's own REGISTRY shape (`GET /api/v1/admin/mcp/catalog/`, L7380:
 * name, description, required_scopes, pass_context), so support staff can line our tools up
 * with the PracticeToolGate rows they edit: a gate row's `tool_key` is our tool's `name`.
 */
import type { Scope } from '../tenancy/types.js';

/** What the export reads of a tool definition. */
interface CatalogTool {
  name: string;
  description: string;
  requiredScopes: readonly Scope[];
}

export interface RegistryEntry {
  name: string;
  description: string;
  required_scopes: string[];
  /**
   * Whether the handler receives the caller's context (user, practice, token). Ours always do:
   * every call runs for a resolved practice and principal.
   */
  pass_context: boolean;
}

export function exportRegistry(tools: readonly CatalogTool[]): RegistryEntry[] {
  return [...tools]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((tool) => ({
      name: tool.name,
      description: tool.description,
      required_scopes: [...tool.requiredScopes],
      pass_context: true,
    }));
}

/** Our tool names the upstream catalog does not list: Escape's support UI offers no gate row for them. */
export function toolsMissingUpstream(
  tools: readonly CatalogTool[],
  upstreamCatalog: readonly { name: string }[],
): string[] {
  const known = new Set(upstreamCatalog.map((entry) => entry.name));
  return tools.map((tool) => tool.name).filter((name) => !known.has(name));
}
