/**
 * bench/profile.ts and bench/alloc.ts: one sandbox process, the find_spot bench call captured
 * against ours, then the floor serving the same upstream waves and answering the same request.
 */
import { benchCalls, type PracticeFixture } from './cases.js';
import type { FloorOptions } from './floor-server.js';
import {
  captureCalls,
  type HttpServerProcess,
  type LoadRequest,
  replayOf,
  startFloorHttpProcess,
  startHttpServerProcess,
} from './http-server.js';
import { startSandboxProcess } from './stats.js';
import { captureWaves } from './upstream.js';

export type StartServer = (nodeFlags: string[], env?: Record<string, string>) => Promise<HttpServerProcess>;
export type RequestFor = (server: HttpServerProcess) => Promise<LoadRequest>;

export async function oursThenFloor<T>(
  measure: (start: StartServer, requestFor: RequestFor) => Promise<T>,
): Promise<{ ours: T; floor: T }> {
  const sandbox = await startSandboxProcess();
  try {
    const upstream = { url: sandbox.url, token: sandbox.token };
    const [call] = benchCalls(sandbox.fixtures.practices.la as PracticeFixture);
    if (!call) throw new Error('no bench call');
    let oursRequest: LoadRequest | undefined;
    const ours = await measure(
      (flags, env = {}) => startHttpServerProcess(upstream, flags, [], { env }),
      async (server) => {
        const [captured] = await captureCalls(server, [call]);
        if (!captured) throw new Error('no call captured');
        oursRequest = replayOf(captured);
        return oursRequest;
      },
    );
    const [waves = []] = await captureWaves(upstream, [call]);
    const floorOptions: FloorOptions = {
      upstreamOrigin: sandbox.url,
      token: sandbox.token,
      tools: [{ name: call.name, waves }],
    };
    const floor = await measure(
      (flags, env = {}) => startFloorHttpProcess(floorOptions, flags, env),
      async (server) => ({ ...(oursRequest as LoadRequest), path: new URL(server.mcpUrl).pathname }),
    );
    return { ours, floor };
  } finally {
    await sandbox.close();
  }
}
