/**
 * The floor: the thinnest MCP server the same SDK allows, for the benchmarks only. Each tool,
 * named like ours, sends a fixed set of upstream requests (wave after wave, each wave's requests
 * together) with the direct leg's own keep-alive undici sender and returns the last answer's
 * rows: no auth, no gates, no practice look-up, no validation of the upstream answer, no output
 * schema, no audit line, no breaker, no deadline. Served over HTTP the way the SDK's README
 * mounts it on node:http (`createMcpHandler`, a server per request, wrapped by `toNodeHandler`),
 * and over stdio by bench/lib/floor-stdio.ts (`serveStdio`).
 *
 * What it measures: how close any server built on this SDK, on this machine, can come to the
 * direct leg. A target the floor itself misses cannot be met by adding the product on top.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { directSender, type Waves } from './upstream.js';

export interface FloorOptions {
  upstreamOrigin: string;
  token: string;
  /** Each tool's upstream requests, as one call of ours made them. */
  tools: { name: string; waves: Waves }[];
}

/** A factory of one-server-per-unit floors, and the pool they share. */
export function floorFactory(options: FloorOptions): { build: () => McpServer; close: () => Promise<void> } {
  // The direct leg's own sender: the floor makes exactly the requests that leg makes.
  const upstream = directSender(options.upstreamOrigin, options.token, 128);
  const build = () => {
    const server = new McpServer({ name: 'floor', version: '1' }, { capabilities: { tools: {} } });
    for (const tool of options.tools) {
      server.registerTool(
        tool.name,
        { description: 'Forwards fixed upstream requests (benchmark floor).', inputSchema: z.looseObject({}) },
        async () => {
          const answer = await upstream.send(tool.waves);
          const rows = Array.isArray(answer) ? answer : ((answer as { results?: unknown[] })?.results ?? []);
          // `slots`, as find_spot answers: bench/http.ts counts an answer without slots as an error.
          return { content: [{ type: 'text', text: JSON.stringify(rows) }], structuredContent: { slots: rows } };
        },
      );
    }
    return server;
  };
  return { build, close: () => upstream.close() };
}

export interface FloorServer {
  mcpUrl: string;
  close: () => Promise<void>;
}

export async function startFloorServer(options: FloorOptions): Promise<FloorServer> {
  const floor = floorFactory(options);
  const handler = createMcpHandler(() => floor.build(), { legacy: 'reject' });
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
      await floor.close();
    },
  };
}
