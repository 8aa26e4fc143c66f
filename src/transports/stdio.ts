/**
 * stdio: one operator on one machine. stdout carries only protocol messages; everything else
 * goes to stderr through the logger.
 */
import type { Logger } from '../logger.js';
import { serveOnStdio } from '../mcp/sdk.js';
import type { EscapeMcpServer } from '../server.js';
import type { PracticeScope } from '../tenancy/types.js';

export interface StdioServing {
  /** Re-applies the gate decision in every server still serving (after a gate poll or policy reload). */
  refreshToolAvailability: () => void;
  /** Every server still serving serves these practices from now on (the practice list was read or changed). */
  setPractices: (practices: PracticeScope) => void;
  close: () => Promise<void>;
}

/**
 * The servers serveStdio built, for as long as it serves them. It builds one per connection plus
 * one for a `server/discover` probe it then drops, so they are held weakly. But the transport holds
 * only the SDK server inside each of ours: a WeakRef to ours alone let the first full collection
 * take it, after which gate changes silently stopped reaching the client (seen once V8 collected
 * more often). Keyed by the SDK server, the WeakMap keeps ours alive exactly as long as the SDK
 * keeps its server, and no longer.
 */
export class ServedServers {
  private readonly ownerOf = new WeakMap<object, EscapeMcpServer>();
  private readonly refs = new Set<WeakRef<EscapeMcpServer>>();

  add(server: EscapeMcpServer): void {
    this.ownerOf.set(server.server, server);
    this.refs.add(new WeakRef(server));
  }

  /** Calls `visit` for each server still alive, forgetting the collected ones; returns how many. */
  forEachLive(visit: (server: EscapeMcpServer) => void): number {
    let live = 0;
    for (const ref of this.refs) {
      const server = ref.deref();
      if (!server) {
        this.refs.delete(ref);
        continue;
      }
      live += 1;
      visit(server);
    }
    return live;
  }
}

export function startStdio(build: () => EscapeMcpServer, logger: Logger): StdioServing {
  const served = new ServedServers();
  const handle = serveOnStdio(
    () => {
      const server = build();
      served.add(server);
      return server.server;
    },
    // Only the error's name and the start of its message: a malformed frame must not end up in the log.
    (error) => logger.warn({ error: error.name, detail: error.message.slice(0, 120) }, 'stdio transport error'),
  );
  return {
    refreshToolAvailability: () => void served.forEachLive((server) => server.refreshToolAvailability()),
    setPractices: (practices) => void served.forEachLive((server) => server.setPractices(practices)),
    close: () => handle.close(),
  };
}
