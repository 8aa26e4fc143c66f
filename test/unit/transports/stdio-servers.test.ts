import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { EscapeMcpServer } from '../../../src/server.js';
import { ServedServers } from '../../../src/transports/stdio.js';

// A real full collection, so the test sees what V8 keeps and not what a mock says it keeps.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/** V8 keeps a WeakRef's target until the current job ends, so collect on a later turn. */
const collectLater = async () => {
  await new Promise((resolve) => setImmediate(resolve));
  collect();
  await new Promise((resolve) => setImmediate(resolve));
  collect();
};

/** Built in its own frame so that no local of the test keeps our wrapper alive. */
function addServer(served: ServedServers, transportHolds: object[], refreshed: string[], name: string): void {
  const sdkServer = { name };
  const ours = { server: sdkServer, refreshToolAvailability: () => refreshed.push(name) };
  served.add(ours as unknown as EscapeMcpServer);
  // Like serveStdio: the transport keeps the SDK server only, never our wrapper around it.
  transportHolds.push(sdkServer);
}

describe('the servers stdio is serving', () => {
  it('are still reached after a full collection while the transport holds their SDK server', async () => {
    const served = new ServedServers();
    const transportHolds: object[] = [];
    const refreshed: string[] = [];
    addServer(served, transportHolds, refreshed, 'connection');
    await collectLater();
    expect(served.forEachLive((server) => server.refreshToolAvailability())).toBe(1);
    expect(refreshed).toEqual(['connection']);
    // Read after the collection, so the "transport" itself stays alive through it.
    expect(transportHolds).toHaveLength(1);
  });

  it('are forgotten once the transport drops them (a discarded server/discover probe)', async () => {
    const served = new ServedServers();
    const transportHolds: object[] = [];
    const refreshed: string[] = [];
    addServer(served, transportHolds, refreshed, 'probe');
    addServer(served, transportHolds, refreshed, 'connection');
    transportHolds.shift();
    await collectLater();
    expect(served.forEachLive((server) => server.refreshToolAvailability())).toBe(1);
    expect(refreshed).toEqual(['connection']);
    // Read after the collection, so the "transport" itself stays alive through it.
    expect(transportHolds).toHaveLength(1);
  });
});
