/**
 * The floor over HTTP (see floor-server.ts) in a process of its own, like ours, so its CPU can be
 * read from /proc apart from the load generator's:
 *   BENCH_FLOOR='{"upstreamOrigin":…,"token":…,"tools":[…]}' node --import tsx bench/lib/floor-http-process.ts
 * Prints `serving at <url>` on stdout once listening. tsx only loads the modules; once a call is
 * being served it costs nothing.
 */
import { type FloorOptions, startFloorServer } from './floor-server.js';

const floor = await startFloorServer(JSON.parse(process.env.BENCH_FLOOR ?? '') as FloorOptions);
process.stdout.write(`serving at ${floor.mcpUrl}\n`);
process.once('SIGTERM', () => void floor.close().then(() => process.exit(0)));
