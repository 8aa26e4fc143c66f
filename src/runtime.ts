/**
 * Assembles a running server from its configuration: logger, the Escape Dental client (or the
 * embedded sandbox in demo mode), practice discovery, gates. Transports take what this returns.
 */
import type { DestinationStream } from 'pino';
import { createEscapeApi, type EscapeApiHandle, PracticeInactive } from './api/index.js';
import { buildOperationTable, type OperationOverrides } from './api/paths.js';
import type { Config } from './config.js';
import type { PracticeGates } from './gates/decision.js';
import { GateRegistry } from './gates/registry.js';
import { createLogger, type Logger } from './logger.js';
import { findPractice, type PracticeScope, scopeFor } from './practice.js';
import type { RunningSandbox } from './sandbox/index.js';
import type { ServerDependencies } from './server.js';
import { type Metrics, noMetrics, upstreamObserver } from './telemetry.js';
import { createConfirmationTokens } from './tools/confirmation.js';
import { ToolMemo } from './tools/memo.js';
import { CATALOG } from './tools/registry.js';
import type { ConfirmationTokens, PracticeRef, Principal } from './tools/types.js';

export interface Runtime {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  api: EscapeApiHandle;
  /** Every practice the upstream credential can act on, and the pinned one if any. */
  practices: PracticeScope;
  gates: GateRegistry;
  /** The embedded sandbox in demo mode. */
  sandbox: RunningSandbox | undefined;
  now: () => Date;
  /** Derived data tools reuse across calls. */
  memo: ToolMemo;
  confirmationTokens: ConfirmationTokens;
  gatesFor: (practice: PracticeRef) => PracticeGates;
  /** Everything createServer needs for one caller (the catalog, this runtime's shared parts). */
  serverDependencies: (principal: Principal, practices?: PracticeScope) => ServerDependencies;
  close: () => Promise<void>;
}

export interface RuntimeOptions {
  logDestination?: DestinationStream;
  metrics?: Metrics;
}

export class StartupError extends Error {
  override name = 'StartupError';
}

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

  try {
    const practices = await discoverPractices(api, config.pinnedPractice, logger);
    // Not awaited: the first tools/list does not need the rosters, and a call that does shares the
    // in-flight load (single flight) instead of starting another.
    void warmReferenceData(api, practices, logger);
    const gates = new GateRegistry({
      practiceIds: practices.available.map((p) => p.id),
      readUpstream: async (practiceId) => {
        const result = await api.admin.mcpGates(practiceId);
        return result.readable
          ? result.value.map((row) => ({ toolKey: row.tool_key, enabled: row.enabled }))
          : 'unreadable';
      },
      policyFile: config.policyFile,
      pollSeconds: config.http.gatePollSeconds,
      logger,
    });
    await gates.start();
    const memo = new ToolMemo();
    const confirmationTokens = createConfirmationTokens();
    const gatesFor = (practice: PracticeRef) => gates.gatesFor(practice.id);
    const now = () => new Date();
    return {
      config,
      logger,
      metrics,
      api,
      practices,
      gates,
      sandbox,
      now,
      memo,
      confirmationTokens,
      gatesFor,
      serverDependencies: (principal, scope = practices) => ({
        tools: CATALOG,
        api,
        principal,
        practices: scope,
        gatesFor,
        logger,
        metrics,
        now,
        toolTimeoutMs: config.toolTimeoutMs,
        memo,
        confirmationTokens,
      }),
      async close() {
        gates.stop();
        await api.close();
        await sandbox?.close();
        logger.flush();
      },
    };
  } catch (error) {
    await api.close();
    await sandbox?.close();
    throw error;
  }
}

async function discoverPractices(
  api: EscapeApiHandle,
  pinnedReference: string | undefined,
  logger: Logger,
): Promise<PracticeScope> {
  const discovery = await api.practices.discover();
  for (const warning of discovery.warnings) logger.info(warning);
  const active: PracticeRef[] = [];
  const disabled: { id: string; name: string }[] = [];
  for (const practice of discovery.practices) {
    if (!practice.isActive) {
      disabled.push({ id: practice.id, name: practice.name });
      continue;
    }
    active.push({
      id: practice.id,
      name: practice.name,
      timezone: practice.timezone ?? (await api.practices.timezone(practice.id)),
    });
  }

  if (pinnedReference) {
    const known = [...active, ...disabled.map((p) => ({ ...p, timezone: 'UTC' }))];
    let pinned: PracticeRef | undefined;
    try {
      pinned = findPractice(pinnedReference, known);
    } catch (error) {
      pinned = await probePinnedPractice(api, pinnedReference, disabled);
      if (!pinned) {
        throw new StartupError(
          `ESCAPE_PRACTICE / --practice: ${(error as Error).message} Set it to one of the practices the credential can access, or leave it unset.`,
        );
      }
    }
    return scopeFor(active, pinned, disabled);
  }
  if (active.length === 0) {
    throw new StartupError(
      disabled.length > 0
        ? `Every practice this credential can access is disabled in Escape Dental (${disabled.map((p) => p.name).join(', ')}).`
        : 'The Escape Dental credential cannot access any practice. Use a credential of a practice member (or an OAuth app the practice has connected).',
    );
  }
  return scopeFor(active, undefined, disabled);
}

/**
 * §9.1 bootstrap: rosters are cached before the first call, so a tool can check names (and
 * refuse an unknown provider) without an upstream request. A failure here is not fatal.
 */
async function warmReferenceData(api: EscapeApiHandle, practices: PracticeScope, logger: Logger): Promise<void> {
  const disabled = new Set(practices.disabled.map((p) => p.id));
  await Promise.all(
    practices.available
      .filter((p) => !disabled.has(p.id))
      .map(async (practice) => {
        try {
          await Promise.all([api.reference.providers(practice.id), api.reference.operatories(practice.id)]);
        } catch (error) {
          logger.warn({ practiceId: practice.id, err: error }, 'could not pre-load the provider and chair lists');
        }
      }),
  );
}

/** A pinned id that discovery did not list (the accessible list omits disabled practices). */
async function probePinnedPractice(
  api: EscapeApiHandle,
  reference: string,
  disabled: { id: string; name: string }[],
): Promise<PracticeRef | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(reference.trim())) return undefined;
  const id = reference.trim();
  try {
    const practice = await api.practices.retrieve(id);
    return { id, name: practice.name ?? id, timezone: await api.practices.timezone(id) };
  } catch (error) {
    if (error instanceof PracticeInactive) {
      const entry = { id, name: `Practice ${id}` };
      disabled.push(entry);
      return { ...entry, timezone: 'UTC' };
    }
    return undefined;
  }
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
