/**
 * stdio: one operator on one machine. stdout carries only protocol messages; everything else
 * goes to stderr through the logger.
 */
import type { Logger } from '../logger.js';
import { serveOnStdio } from '../mcp/sdk.js';
import type { EscapeMcpServer } from '../server.js';

export interface StdioServing {
  close: () => Promise<void>;
}

export function startStdio(
  build: () => EscapeMcpServer,
  logger: Logger,
  onBuilt?: (server: EscapeMcpServer) => void,
): StdioServing {
  const handle = serveOnStdio(
    () => {
      const server = build();
      onBuilt?.(server);
      return server.server;
    },
    // Only the error's name and the start of its message: a malformed frame must not end up in the log.
    (error) => logger.warn({ error: error.name, detail: error.message.slice(0, 120) }, 'stdio transport error'),
  );
  return handle;
}
