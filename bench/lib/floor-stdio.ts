/**
 * The floor over stdio (see floor-server.ts), a process of its own like ours:
 *   BENCH_FLOOR='{"upstreamOrigin":…,"token":…,"tools":[{"name":…,"waves":[[{"method":"GET","path":…}]]}]}'
 *   node --import tsx bench/lib/floor-stdio.ts
 * tsx only loads the modules; once a call is being served it costs nothing.
 */
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { type FloorOptions, floorFactory } from './floor-tools.js';

const floor = floorFactory(JSON.parse(process.env.BENCH_FLOOR ?? '') as FloorOptions);
serveStdio(() => floor.build());
