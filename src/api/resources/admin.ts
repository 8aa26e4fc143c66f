/**
 * The API's own MCP tool catalog and per-practice gates (§13). Read-only; both are internal-staff
 * only (C-T19), so 403/404 (or an unconfigured path, C-T22) mean "not readable with this
 * credential" rather than an error.
 */

import type { z } from 'zod';
import { type EscapeClient, parseBody } from '../client.js';
import { EndpointNotConfigured, type EscapeApiError, Forbidden, NotFound } from '../errors.js';
import { normalizePage } from '../pagination.js';
import type { OperationName } from '../paths.js';
import type { CallOptions, Readable } from '../port.js';
import { CatalogEntry, GateRow } from '../schemas.js';

async function readList<S extends z.ZodType>(
  client: EscapeClient,
  operation: OperationName,
  params: Record<string, string>,
  schema: S,
  options?: CallOptions,
): Promise<Readable<Array<z.output<S>>>> {
  try {
    const res = await client.request({ operation, params, signal: options?.signal });
    const rows = normalizePage(res.body, operation).rows.map((r) => parseBody(schema, r, operation));
    return { readable: true, value: rows };
  } catch (error) {
    if (error instanceof Forbidden || error instanceof NotFound || error instanceof EndpointNotConfigured) {
      return {
        readable: false,
        reason: 'not readable with this credential (Escape internal-staff only)',
        status: (error as EscapeApiError).status,
      };
    }
    throw error;
  }
}

export interface AdminPort {
  /** The API's MCP tool catalog; `readable: false` on 403/404 (internal-staff only, C-T19). */
  mcpCatalog(options?: CallOptions): Promise<Readable<CatalogEntry[]>>;
  mcpGates(practiceId: string, options?: CallOptions): Promise<Readable<GateRow[]>>;
}

export function createAdminResources(client: EscapeClient): AdminPort {
  return {
    mcpCatalog: (options) => readList(client, 'admin.mcpCatalog', {}, CatalogEntry, options),
    mcpGates: async (practiceId, options) => {
      const result = await readList(client, 'admin.mcpGates', { practice: practiceId }, GateRow, options);
      // Code-unit order: the first localeCompare of a process loads ICU's collator, and this
      // sort runs at start-up, before the first tools/list can be answered.
      if (result.readable)
        result.value.sort((a, b) => (a.tool_key < b.tool_key ? -1 : a.tool_key > b.tool_key ? 1 : 0));
      return result;
    },
  };
}
