/**
 * The floor's tools (see floor-server.ts): one per name, each sending a fixed set of upstream
 * requests and returning the last answer's rows. Kept apart from the HTTP mounting so the stdio
 * floor (floor-stdio.ts) loads, and bundles, only what a stdio server needs.
 */
import { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { directSender, type Waves } from './direct.js';

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
