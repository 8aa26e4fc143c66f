/**
 * The floor: the thinnest MCP server the same SDK allows over HTTP, for the benchmarks only.
 * One tool, named like ours, whose handler sends a fixed list of upstream requests with a
 * keep-alive undici pool and returns the last answer's rows: no auth, no gates, no practice
 * look-up, no validation of the upstream answer, no output schema, no audit line, no breaker,
 * no deadline. Served the way the SDK's README mounts it on node:http (`createMcpHandler`, a
 * server per request, wrapped by `toNodeHandler`).
 *
 * What it measures: how close any server built on this SDK, on this machine, can come to the
 * direct leg. A target the floor itself misses cannot be met by adding the product on top.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { Pool } from 'undici';
import { z } from 'zod';

export interface FloorServer {
  mcpUrl: string;
  close: () => Promise<void>;
}

export async function startFloorServer(options: {
  upstreamOrigin: string;
  token: string;
  /** The upstream requests one tool call makes (method GET, path with query), in order. */
  upstream: { method: string; path: string }[];
  toolName: string;
}): Promise<FloorServer> {
  const pool = new Pool(options.upstreamOrigin, { connections: 128 });
  const headers = { authorization: `Bearer ${options.token}`, accept: 'application/json' };
  const forward = async (): Promise<unknown> => {
    let last: unknown;
    for (const request of options.upstream) {
      const res = await pool.request({ path: request.path, method: 'GET', headers });
      last = await res.body.json();
    }
    return last;
  };
  const build = () => {
    const server = new McpServer({ name: 'floor', version: '1' }, { capabilities: { tools: {} } });
    server.registerTool(
      options.toolName,
      {
        description: 'Forwards fixed upstream requests (benchmark floor).',
        inputSchema: z.looseObject({}),
      },
      async () => {
        const answer = await forward();
        const rows = Array.isArray(answer) ? answer : ((answer as { results?: unknown[] })?.results ?? []);
        return { content: [{ type: 'text', text: JSON.stringify(rows) }], structuredContent: { slots: rows } };
      },
    );
    return server;
  };
  const handler = createMcpHandler(() => build(), { legacy: 'reject' });
  const node = toNodeHandler(handler);
  const http: Server = createServer((req, res) => {
    node(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    mcpUrl: `http://127.0.0.1:${port}/mcp`,
    close: async () => {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await handler.close();
      await pool.close();
    },
  };
}
