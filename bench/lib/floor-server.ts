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
import { createMcpHandler } from '@modelcontextprotocol/server';
import { type FloorOptions, floorFactory } from './floor-tools.js';

export type { FloorOptions } from './floor-tools.js';

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
