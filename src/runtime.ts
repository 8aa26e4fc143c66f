/**
 * Assembles a running server from its configuration: logger, the Escape Dental client (or the
 * embedded sandbox in demo mode), practice discovery, gates. Transports take what this returns.
 */
import type { DestinationStream } from 'pino';
import { createEscapeApi, type EscapeApiHandle } from './api/index.js';
import { buildOperationTable, type OperationOverrides } from './api/paths.js';
import type { Config } from './config.js';
import { type DiscoveryStatus, discoverPractices, PracticeDirectory, StartupError } from './discovery.js';
import type { PracticeGates } from './gates/decision.js';
import { PolicyFileError } from './gates/policy.js';
import { GateRegistry } from './gates/registry.js';
import { createLogger, type Logger } from './logger.js';
import { useRequestStateKeys } from './mcp/sdk.js';
import type { RunningSandbox } from './sandbox/index.js';
import type { ServerDependencies } from './server.js';
import { bindState } from './state/binding.js';
import { openState } from './state/index.js';
import type { StateStore } from './state/port.js';
import { TaskRegistry } from './tasks/registry.js';
import { type Metrics, noMetrics, upstreamObserver } from './telemetry.js';
import type { PracticeRef, PracticeScope, Principal } from './tenancy/types.js';
import { createConfirmationTokens } from './tools/framework/confirmation.js';
import { ToolMemo } from './tools/framework/memo.js';
import type { ConfirmationTokens } from './tools/framework/types.js';
import { CATALOG } from './tools/registry.js';

export interface Runtime {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  api: EscapeApiHandle;
  /**
   * Every practice the upstream credential can act on, and the pinned one if any: read at each
   * use, since it is a pending scope (no practice) until the list has been read from Escape Dental.
   */
  readonly practices: PracticeScope;
  /** Whether the practice list has been read (readiness), and each change of it. */
  discovery: {
    status: () => DiscoveryStatus;
    onChange: (listener: () => void) => () => void;
  };
  gates: GateRegistry;
  /** The embedded sandbox in demo mode. */
  sandbox: RunningSandbox | undefined;
  now: () => Date;
  /** Derived data tools reuse across calls. */
  memo: ToolMemo;
  confirmationTokens: ConfirmationTokens;
  /** Shared state (write ledger, write locks): memory, or Redis with --state. */
  state: StateStore;
  gatesFor: (practice: PracticeRef) => PracticeGates;
  /** Everything createServer needs for one caller (the catalog, this runtime's shared parts). */
  serverDependencies: (principal: Principal, practices?: PracticeScope) => ServerDependencies;
  close: () => Promise<void>;
}

export interface RuntimeOptions {
  logDestination?: DestinationStream;
  metrics?: Metrics;
  /** How long start-up waits for the first read of the practice list before serving without it. */
  discoveryWaitMs?: number;
  /** The wait before the next read of the practice list after `failures` failed reads (tests). */
  discoveryRetryDelayMs?: (failures: number) => number;
}

export { StartupError };

/** An MCP client gives a server tens of seconds to answer `initialize`; start-up stays well inside that. */
const DISCOVERY_WAIT_MS = 10_000;

export async function startRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const logger = createLogger({
    level: config.logLevel,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  const metrics = options.metrics ?? noMetrics;

  let sandbox: RunningSandbox | undefined;
  let apiUrl: string;
  let credentials: Parameters<typeof createEscapeApi>[0]['credentials'];
  if (config.upstream.kind === 'demo') {
    // Loaded lazily: a production start never pays for generating the synthetic dataset.
    const { startSandbox } = await import('./sandbox/index.js');
    sandbox = await startSandbox({ port: 0 });
    apiUrl = sandbox.url;
    credentials = { kind: 'static', token: sandbox.credentials.oauth.service.token, hint: 'the demo sandbox token' };
    logger.warn(
      { sandboxUrl: sandbox.url },
      'DEMO MODE: serving the embedded Escape Dental sandbox. Every practice, patient and figure is synthetic.',
    );
  } else {
    apiUrl = config.upstream.apiUrl;
    const credential = config.upstream.credential;
    credentials =
      credential.kind === 'static'
        ? { kind: 'static', token: credential.token, hint: 'ESCAPE_API_TOKEN' }
        : {
            kind: 'simplejwt',
            refreshToken: credential.refreshToken,
            stateFile: credential.storePath,
            reauthHint: 'ESCAPE_REFRESH_TOKEN',
          };
  }

  const api = createEscapeApi({
    baseUrl: apiUrl,
    credentials,
    timeoutMs: config.requestTimeoutMs,
    deadlineMs: config.toolTimeoutMs,
    observer: upstreamObserver(metrics),
    ...(config.pathsFile ? { operations: await loadPathOverrides(config.pathsFile) } : {}),
  });

  const state = await openState(config, logger);
  const readGates = async (practiceId: string) => {
    const result = await api.admin.mcpGates(practiceId);
    return result.readable
      ? result.value.map((row) => ({ toolKey: row.tool_key, enabled: row.enabled }))
      : ('unreadable' as const);
  };
  // Until the practice list is read, no practice is served and the gate registry reads no rows.
  const gates = new GateRegistry({
    practiceIds: [],
    knownTools: CATALOG.map((tool) => tool.name),
    // With --state redis one replica reads the rows for all (src/state/redis-gates.ts).
    readUpstream: (practiceId) =>
      state.store.gates ? state.store.gates.read(practiceId, readGates) : readGates(practiceId),
    policyFile: config.policyFile,
    pollSeconds: config.http.gatePollSeconds,
    logger,
    localGatesOnly: config.localGatesOnly,
    toolsets: config.toolsets,
  });
  const directory = new PracticeDirectory({
    read: () => discoverPractices(api, config.pinnedPractice, logger),
    prepare: async (scope) => {
      // Not awaited: the first tools/list does not need the rosters, and a call that does shares
      // the in-flight load (single flight) instead of starting another. Started first, so the
      // gate poll's wait covers it.
      void warmReferenceData(api, scope, logger);
      gates.setPracticeIds(
        scope.available.map((p) => p.id),
        [...scope.available, ...scope.disabled, ...scope.unavailable],
      );
      await gates.poll();
    },
    pinnedByConfiguration: config.pinnedPractice !== undefined,
    logger,
    ...(options.discoveryRetryDelayMs ? { retryDelayMs: options.discoveryRetryDelayMs } : {}),
  });

  try {
    await gates.start();
    await directory.start(options.discoveryWaitMs ?? DISCOVERY_WAIT_MS);
    // The policy's practice keys can be checked only against the list read: a key that names no
    // practice (a practice's name, say) would silently disable nothing.
    const policyProblems = gates.policyProblems();
    if (policyProblems.length > 0) {
      throw new PolicyFileError(
        `The policy file ${config.policyFile} names what this server does not know, so it is not applied: ${policyProblems.join('; ')}.`,
      );
    }
    const memo = new ToolMemo();
    state.store.gates?.onChange(() => void gates.poll());
    bindState(memo, state.store);
    if (state.keys) useRequestStateKeys(state.keys.requestState);
    const confirmationTokens = createConfirmationTokens(state.keys ? { keys: state.keys.confirmation } : {});
    const tasks = new TaskRegistry();
    const gatesFor = (practice: PracticeRef) => gates.gatesFor(practice.id);
    const now = () => new Date();
    return {
      config,
      logger,
      metrics,
      api,
      get practices() {
        return directory.scope;
      },
      discovery: {
        status: () => directory.status(),
        onChange: (listener) => directory.onChange(listener),
      },
      gates,
      sandbox,
      now,
      memo,
      confirmationTokens,
      state: state.store,
      gatesFor,
      serverDependencies: (principal, scope) => ({
        tools: CATALOG,
        api,
        principal,
        practices: scope ?? directory.scope,
        served: () => directory.scope,
        gatesFor,
        logger,
        metrics,
        now,
        toolTimeoutMs: config.toolTimeoutMs,
        memo,
        confirmationTokens,
        tasks,
      }),
      async close() {
        directory.stop();
        gates.stop();
        tasks.close();
        await api.close();
        await state.store.close();
        await sandbox?.close();
        logger.flush();
      },
    };
  } catch (error) {
    directory.stop();
    gates.stop();
    await state.store.close();
    await api.close();
    await sandbox?.close();
    throw error;
  }
}

/**
 * §9.1 bootstrap: rosters are cached before the first call, so a tool can check names (and
 * refuse an unknown provider) without an upstream request. A failure here is not fatal.
 */
/**
 * Practices whose provider and chair lists start-up loads at a time. A DSO's credential can reach
 * hundreds: loading all at once would fill the upstream connection pool ahead of the first staff
 * calls, and meet Escape's rate limit.
 */
export const WARM_UP_CONCURRENCY = 4;

export async function warmReferenceData(
  api: Pick<EscapeApiHandle, 'reference'>,
  practices: PracticeScope,
  logger: Pick<Logger, 'warn'>,
): Promise<void> {
  const disabled = new Set(practices.disabled.map((p) => p.id));
  const waiting = practices.available.filter((p) => !disabled.has(p.id));
  // A few workers rather than p-limit, whose tasks start on a later microtask: the first reads
  // must leave before the gate poll's (the caller does not await them), so that a server that
  // answers its first tools/list has its pre-load of a few practices done, as without a limit.
  const worker = async () => {
    for (let practice = waiting.shift(); practice; practice = waiting.shift()) {
      try {
        await Promise.all([api.reference.providers(practice.id), api.reference.operatories(practice.id)]);
      } catch (error) {
        logger.warn({ practiceId: practice.id, err: error }, 'could not pre-load the provider and chair lists');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(WARM_UP_CONCURRENCY, waiting.length) }, worker));
}

async function loadPathOverrides(file: string): Promise<OperationOverrides> {
  const { readFile } = await import('node:fs/promises');
  let overrides: OperationOverrides;
  try {
    overrides = JSON.parse(await readFile(file, 'utf8')) as OperationOverrides;
    buildOperationTable(overrides);
  } catch (error) {
    throw new StartupError(
      `The paths file ${file} is not usable: ${(error as Error).message} Fix --paths-file / ESCAPE_PATHS_FILE (a JSON object of operation name → path).`,
    );
  }
  return overrides;
}
