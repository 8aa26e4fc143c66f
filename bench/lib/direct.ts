/**
 * The direct leg: the same upstream requests a call of ours made, sent straight to the sandbox.
 * Imports nothing of the server's, so the floor (floor-tools.ts) bundles without it.
 */
import { Agent } from 'undici';

export interface UpstreamRequest {
  method: string;
  /** Path and query, as the server sent it. */
  path: string;
}

/** Requests sent together (a wave starts when the previous one has fully answered). */
export type Waves = UpstreamRequest[][];

/**
 * Sends one unit of waves to the sandbox with undici; each body read and parsed as the server
 * would. Answers the last parsed body (the floor servers return its rows).
 */
export function directSender(origin: string, token: string, connections = 16) {
  // An Agent (one pool per origin) rather than a Pool: the bundled floor resolves undici to
  // scripts/undici-slim.cjs, as the server's bundle does, and that has Agent but not Pool.
  const agent = new Agent({ connections, pipelining: 1 });
  const headers = { authorization: `Bearer ${token}`, accept: 'application/json', 'user-agent': 'bench-direct' };
  return {
    async send(waves: Waves): Promise<unknown> {
      let last: unknown;
      for (const wave of waves) {
        const answers = await Promise.all(
          wave.map(async (req) => {
            const res = await agent.request({ origin, path: req.path, method: req.method as 'GET', headers });
            const text = await res.body.text();
            if (res.statusCode !== 200) throw new Error(`direct ${req.path}: ${res.statusCode}`);
            return JSON.parse(text) as unknown;
          }),
        );
        last = answers.at(-1);
      }
      return last;
    },
    close: () => agent.close(),
  };
}
