/**
 * The only module that talks to the MCP TypeScript SDK (v2). Everything else works with plain
 * tool definitions and outcomes, so an SDK upgrade is a change to this file alone.
 */
import { type CallToolResult, McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { z } from 'zod';
import type { ToolCallOutcome } from '../tools/invoke.js';
import type { ToolAnnotations } from '../tools/types.js';

export type McpServerInstance = McpServer;
export type ProtocolEra = 'legacy' | 'modern';

export interface ToolRegistration {
  name: string;
  title: string;
  description: string;
  inputSchema: z.ZodObject;
  outputSchema: z.ZodObject;
  annotations: ToolAnnotations;
  /** Listed and callable; a disabled tool is absent from tools/list and refused by the SDK. */
  enabled: boolean;
  execute: (args: Record<string, unknown>, signal: AbortSignal) => Promise<ToolCallOutcome>;
}

export interface ServerSpec {
  name: string;
  version: string;
  instructions: string;
  /** Registered in this order, which is the order of tools/list. */
  tools: readonly ToolRegistration[];
  /** Freshness hint for a 2026-07-28 client's cached tools/list, in ms (0 = do not cache). */
  toolsListTtlMs: number;
}

export interface BuiltServer {
  server: McpServerInstance;
  /** Enables or disables a registered tool; the SDK then sends notifications/tools/list_changed. */
  setEnabled: (name: string, enabled: boolean) => void;
}

export function buildMcpServer(spec: ServerSpec): BuiltServer {
  const server = new McpServer(
    { name: spec.name, version: spec.version },
    {
      instructions: spec.instructions,
      capabilities: { tools: { listChanged: true } },
      // The list depends on who is asking (gates, scopes, read-only), so it is never shared.
      cacheHints: { 'tools/list': { ttlMs: spec.toolsListTtlMs, cacheScope: 'private' } },
    },
  );
  const handles = new Map<string, ReturnType<McpServer['registerTool']>>();
  for (const tool of spec.tools) {
    const handle = server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.inputSchema,
        outputSchema: tool.outputSchema,
        annotations: { title: tool.title, ...tool.annotations },
      },
      async (args: Record<string, unknown>, ctx): Promise<CallToolResult> => {
        const outcome = await tool.execute(args, ctx.mcpReq.signal);
        if (outcome.kind === 'error') return { content: [{ type: 'text', text: outcome.text }], isError: true };
        return { content: [{ type: 'text', text: outcome.text }], structuredContent: outcome.structured };
      },
    );
    if (!tool.enabled) handle.disable();
    handles.set(tool.name, handle);
  }
  return {
    server,
    setEnabled(name, enabled) {
      const handle = handles.get(name);
      if (!handle || handle.enabled === enabled) return;
      if (enabled) handle.enable();
      else handle.disable();
    },
  };
}

export interface StdioHandle {
  close: () => Promise<void>;
}

/** Serves MCP on this process's stdin/stdout: 2026-07-28 and 2025-era clients alike. */
export function serveOnStdio(
  factory: (era: ProtocolEra) => McpServerInstance | Promise<McpServerInstance>,
  onError: (error: Error) => void,
): StdioHandle {
  return serveStdio(({ era }) => factory(era), { onerror: onError });
}
