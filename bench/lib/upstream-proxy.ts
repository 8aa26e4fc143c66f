/**
 * A pass-through proxy between a server process and the sandbox that timestamps every request:
 * when it arrived (the server sent it) and when its answer was written back (the server got it),
 * as epoch milliseconds with sub-millisecond precision (performance.timeOrigin + now()), so they
 * compare with timestamps other processes on this machine take the same way.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

export interface ProxiedRequest {
  method: string;
  /** Path and query. */
  path: string;
  sentAt: number;
  answeredAt: number;
  status: number;
}

export interface UpstreamProxy {
  url: string;
  /** Every request so far, in the order they were answered. */
  log: ProxiedRequest[];
  close: () => Promise<void>;
}

export const epochNow = (): number => performance.timeOrigin + performance.now();

export async function startUpstreamProxy(target: string): Promise<UpstreamProxy> {
  const pool = new Pool(target, { connections: 64, pipelining: 1 });
  const log: ProxiedRequest[] = [];
  const http: Server = createServer((req, res) => {
    const sentAt = epochNow();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const headers = { ...req.headers };
      delete headers.host;
      delete headers.connection;
      try {
        const answer = await pool.request({
          path: req.url ?? '/',
          method: (req.method ?? 'GET') as 'GET',
          headers,
          ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
        });
        const body = Buffer.from(await answer.body.arrayBuffer());
        const passed = Object.fromEntries(
          Object.entries(answer.headers).filter(
            ([name]) => !['connection', 'transfer-encoding', 'keep-alive'].includes(name),
          ),
        );
        res.writeHead(answer.statusCode, passed);
        res.end(body);
        log.push({
          method: req.method ?? 'GET',
          path: req.url ?? '/',
          sentAt,
          answeredAt: epochNow(),
          status: answer.statusCode,
        });
      } catch (error) {
        res.writeHead(502);
        res.end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    close: async () => {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await pool.close();
    },
  };
}

/**
 * Waves of requests: a wave is the requests sent before any answer of the call had come back
 * since the wave began; a request sent after an answer starts the next wave.
 */
export function countWaves(requests: readonly ProxiedRequest[]): number {
  const sorted = [...requests].sort((a, b) => a.sentAt - b.sentAt);
  let waves = 0;
  let waveStart = Number.NEGATIVE_INFINITY;
  for (const request of sorted) {
    const answeredSince = sorted.some((x) => x.answeredAt > waveStart && x.answeredAt <= request.sentAt);
    if (waves === 0 || answeredSince) {
      waves += 1;
      waveStart = request.sentAt;
    }
  }
  return waves;
}
