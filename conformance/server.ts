/**
 * The conformance-only profile: our HTTP server (auth off, loopback, the embedded sandbox as
 * upstream) with the suite's fixture tools, resources and prompts (task-fixtures.ts: those of the
 * tasks extension) added to every server it builds, next to the real catalog. Run by scripts/conformance.sh; never part of the build.
 *
 *   node --import tsx conformance/server.ts [port]
 */
import { parseConfig } from '../src/config.js';
import { PrometheusMetrics } from '../src/metrics.js';
import { startRuntime } from '../src/runtime.js';
import { type HttpServing, startHttp } from '../src/transports/http.js';
import { registerFixtures } from './fixtures.js';
import { registerTaskFixtures } from './task-fixtures.js';

const port = process.argv[2] ?? process.env.PORT ?? '3334';
const config = parseConfig(
  ['http', '--demo', '--auth', 'off', '--host', '127.0.0.1', '--port', port, '--log-level', 'warn'],
  {},
);
const metrics = new PrometheusMetrics();
const runtime = await startRuntime(config, { metrics });
let serving: HttpServing | undefined;
serving = await startHttp(runtime, {
  metrics,
  extendServer: (server) => {
    registerFixtures(server.server, {
      toolsChanged: () => serving?.broadcast('tools'),
      promptsChanged: () => serving?.broadcast('prompts'),
    });
    registerTaskFixtures(server.server);
  },
});
process.stderr.write(`conformance profile listening on ${serving.mcpUrl}\n`);

const stop = async () => {
  await serving?.close();
  await runtime.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
