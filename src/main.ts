/**
 * What the bin entry (src/cli.ts) runs: `escape-dental-mcp` (stdio, the default) or
 * `escape-dental-mcp http`. Reads configuration once, assembles the runtime and connects a transport.
 */
import { type Config, ConfigError, helpText, processConfig } from './config.js';
import { PolicyFileError } from './gates/policy.js';
import { applyHeapGrowing } from './heap.js';
import { terminalDestination, terminalLogLevel } from './logger.js';
import { type Runtime, StartupError, startRuntime } from './runtime.js';
import { CATALOG, createServer } from './server.js';
import type { Principal } from './tenancy/types.js';
import { startStdio } from './transports/stdio.js';
import { PACKAGE_VERSION } from './version.js';

async function main(): Promise<number> {
  const startup: Record<string, number> = { modulesLoaded: performance.now() };
  let config: Config;
  try {
    config = processConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  startup.configParsed = performance.now();
  if (config.help) {
    process.stdout.write(`${helpText()}\n`);
    return 0;
  }
  if (config.version) {
    process.stdout.write(`${PACKAGE_VERSION}\n`);
    return 0;
  }
  if (config.printCatalog) {
    const { exportRegistry } = await import('./gates/export.js');
    process.stdout.write(`${JSON.stringify(exportRegistry(CATALOG), null, 2)}\n`);
    return 0;
  }

  if (config.command === 'http') applyHeapGrowing(config.http.heapGrowingPercent);

  // A person at a terminal reads the logs: readable lines rather than JSON, and a quieter demo (src/logger.ts).
  const terminal = process.stderr.isTTY === true;
  if (terminal)
    config = { ...config, logLevel: terminalLogLevel({ ...config, demo: config.upstream.kind === 'demo' }) };
  const logDestination = terminal ? await terminalDestination() : undefined;
  // Over HTTP, Prometheus metrics exist before the runtime so upstream requests are counted too.
  const metrics = config.command === 'http' ? new (await import('./metrics.js')).PrometheusMetrics() : undefined;
  let runtime: Runtime;
  try {
    runtime = await startRuntime(config, {
      ...(metrics ? { metrics } : {}),
      ...(logDestination ? { logDestination } : {}),
    });
  } catch (error) {
    if (error instanceof StartupError || error instanceof PolicyFileError) {
      process.stderr.write(`escape-dental-mcp could not start: ${error.message}\n`);
      return 1;
    }
    throw error;
  }

  startup.runtimeStarted = performance.now();
  const stop = async (code: number) => {
    await runtime.close();
    process.exit(code);
  };
  process.once('SIGTERM', () => void stop(0));
  process.once('SIGINT', () => void stop(0));

  if (config.command === 'http') {
    const [{ startHttp }, { connectionBanner }] = await Promise.all([
      import('./transports/http.js'),
      import('./transports/http-banner.js'),
    ]);
    let http: Awaited<ReturnType<typeof startHttp>>;
    try {
      http = await startHttp(runtime, metrics ? { metrics } : {});
    } catch (error) {
      await runtime.close();
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`escape-dental-mcp could not start the HTTP server: ${message}\n`);
      return 1;
    }
    process.removeAllListeners('SIGTERM');
    process.removeAllListeners('SIGINT');
    const drainThenStop = () => void http.drain().then(() => stop(0));
    process.once('SIGTERM', drainThenStop);
    process.once('SIGINT', drainThenStop);
    // Not stdio: stdout is free for the person who started the server.
    process.stdout.write(`${connectionBanner(http, runtime)}\n`);
    if (config.startupTimings) reportStartupTimings(startup);
    return -1;
  }

  const principal: Principal = {
    id: 'local',
    kind: 'local',
    practiceIds: 'all',
    scopes: 'all',
    readOnly: config.readOnly,
  };
  const stdio = startStdio(() => createServer(runtime.serverDependencies(principal)), runtime.logger);
  runtime.gates.onChange(() => stdio.refreshToolAvailability());
  runtime.discovery.onChange(() => stdio.setPractices(runtime.practices));
  process.stdin.once('end', () => void stdio.close().then(() => stop(0)));
  runtime.logger.info(
    { practices: runtime.practices.available.map((p) => p.id), pinned: runtime.practices.pinned?.id },
    'serving MCP on stdio',
  );
  if (config.startupTimings) reportStartupTimings(startup);
  return -1;
}

/** --startup-timings: when each step finished, as epoch ms (the process started at timeOrigin). */
function reportStartupTimings(steps: Record<string, number>): void {
  const at = (ms: number) => Math.round((performance.timeOrigin + ms) * 100) / 100;
  const timings = { processStart: at(0), ...Object.fromEntries(Object.entries(steps).map(([k, ms]) => [k, at(ms)])) };
  process.stderr.write(`${JSON.stringify({ startupTimings: { ...timings, listening: at(performance.now()) } })}\n`);
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(
      `escape-dental-mcp stopped on an unexpected error: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  },
);
