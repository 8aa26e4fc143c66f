/**
 * Configuration, parsed once at start-up from CLI flags and environment variables and validated
 * with zod. Nothing else in the program reads `process.env`. Every failure message says what to
 * change. Secrets (tokens) come from the environment only, never from flags, so they do not
 * show up in `ps`.
 */
import { BlockList, isIP } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEFAULT_TOOLSETS, TOOLSETS, type Toolset } from './toolsets.js';

type OptionKind = 'string' | 'boolean';

interface OptionSpec {
  /** Long flag name without the dashes; undefined for environment-only settings (secrets). */
  flag?: string;
  env: string;
  kind: OptionKind;
  description: string;
  defaultText?: string;
  /** Listed under "HTTP server" in --help. */
  http?: boolean;
}

/** Every setting the server reads. `--help` and the README's settings table are generated from this list. */
export const OPTIONS = {
  demo: {
    flag: 'demo',
    env: 'ESCAPE_DEMO',
    kind: 'boolean',
    description: 'Run against the embedded sandbox (synthetic data), even if an API URL is set.',
    defaultText: 'on when no API URL is set',
  },
  apiUrl: {
    flag: 'api-url',
    env: 'ESCAPE_API_URL',
    kind: 'string',
    description: 'Base URL of the Escape Dental API, e.g. https://api.escapedental.example (no /api/v1).',
  },
  apiToken: {
    env: 'ESCAPE_API_TOKEN',
    kind: 'string',
    description: 'Static bearer token: an Escape OAuth access token for an app the practice has granted.',
  },
  refreshToken: {
    env: 'ESCAPE_REFRESH_TOKEN',
    kind: 'string',
    description: 'SimpleJWT refresh token of a dedicated Escape user; rotated automatically and persisted.',
  },
  tokenStore: {
    flag: 'token-store',
    env: 'ESCAPE_TOKEN_STORE',
    kind: 'string',
    description: 'File where the rotated refresh token is kept (written with 0600 permissions).',
    defaultText: '~/.escape-dental-mcp/session.json',
  },
  practice: {
    flag: 'practice',
    env: 'ESCAPE_PRACTICE',
    kind: 'string',
    description:
      'Pin one practice (id or name). Without it, tools take a "practice" argument when the credential sees several.',
  },
  readOnly: {
    flag: 'read-only',
    env: 'ESCAPE_READ_ONLY',
    kind: 'boolean',
    description: 'Hide and refuse every tool that writes (booking, rescheduling, cancelling).',
    defaultText: 'off',
  },
  policyFile: {
    flag: 'policy-file',
    env: 'ESCAPE_POLICY_FILE',
    kind: 'string',
    description:
      'JSON file of local tool policy: {"disabled": ["tool"], "practices": {"<id>": {"disabled": [...]}}}. It can only disable tools.',
  },
  toolsets: {
    flag: 'toolsets',
    env: 'ESCAPE_TOOLSETS',
    kind: 'string',
    description: `Comma-separated toolsets to offer: ${TOOLSETS.join(', ')} (or all). A policy file can turn one off per practice ("disabled_toolsets").`,
    defaultText: DEFAULT_TOOLSETS.join(','),
  },
  localGatesOnly: {
    flag: 'local-gates-only',
    env: 'ESCAPE_LOCAL_GATES_ONLY',
    kind: 'boolean',
    description:
      "RISK: when the credential cannot read Escape's per-practice tool gates, serve write tools on local policy alone (a write the practice switched off in Escape is then not seen). Without it, writes stay off there.",
    defaultText: 'off',
  },
  pathsFile: {
    flag: 'paths-file',
    env: 'ESCAPE_PATHS_FILE',
    kind: 'string',
    description: 'JSON file overriding API paths by operation name, for an Escape deployment whose URLs differ.',
  },
  requestTimeoutMs: {
    flag: 'request-timeout-ms',
    env: 'ESCAPE_REQUEST_TIMEOUT_MS',
    kind: 'string',
    description: 'Timeout for one upstream request, in milliseconds.',
    defaultText: '10000',
  },
  toolTimeoutMs: {
    flag: 'tool-timeout-ms',
    env: 'ESCAPE_TOOL_TIMEOUT_MS',
    kind: 'string',
    description: 'Deadline for one tool call, retries included, in milliseconds.',
    defaultText: '25000',
  },
  logLevel: {
    flag: 'log-level',
    env: 'ESCAPE_LOG_LEVEL',
    kind: 'string',
    description:
      'fatal, error, warn, info, debug or trace. Logs go to stderr and never contain patient data: JSON lines, or readable lines when stderr is a terminal (where the demo logs warnings and errors only unless this is set).',
    defaultText: 'info',
  },
  host: {
    flag: 'host',
    env: 'ESCAPE_MCP_HOST',
    kind: 'string',
    description: 'Interface the HTTP server binds.',
    defaultText: '127.0.0.1',
    http: true,
  },
  port: {
    flag: 'port',
    env: 'ESCAPE_MCP_PORT',
    kind: 'string',
    description: 'Port of the HTTP server (0 picks a free one).',
    defaultText: '3333',
    http: true,
  },
  publicUrl: {
    flag: 'public-url',
    env: 'ESCAPE_MCP_PUBLIC_URL',
    kind: 'string',
    description: "This server's external /mcp URL: the audience of inbound JWTs and the RFC 9728 resource.",
    defaultText: 'http://<host>:<port>/mcp',
    http: true,
  },
  auth: {
    flag: 'auth',
    env: 'ESCAPE_MCP_AUTH',
    kind: 'string',
    description:
      '"required" (default) or "off". Off is allowed only on a loopback address: an IP literal, or a name every address of which is loopback.',
    defaultText: 'required',
    http: true,
  },
  apiKeysFile: {
    flag: 'api-keys-file',
    env: 'ESCAPE_MCP_API_KEYS_FILE',
    kind: 'string',
    description: 'JSON file of operator API keys (sha256-hashed) mapped to principals.',
    http: true,
  },
  jwtIssuer: {
    flag: 'jwt-issuer',
    env: 'ESCAPE_MCP_JWT_ISSUER',
    kind: 'string',
    description: 'Accept JWTs from this issuer (checked against its JWKS; audience = the public URL).',
    http: true,
  },
  jwtMaxLifetime: {
    flag: 'jwt-max-lifetime',
    env: 'ESCAPE_MCP_JWT_MAX_LIFETIME',
    kind: 'string',
    description:
      'Longest validity accepted for an inbound JWT (exp − iat, or what is left when iat is missing or in the future): seconds, or with a unit such as 90m, 24h, 7d. Longer-lived tokens get 401.',
    defaultText: '24h',
    http: true,
  },
  jwksUrl: {
    flag: 'jwks-url',
    env: 'ESCAPE_MCP_JWKS_URL',
    kind: 'string',
    description: "The issuer's JWKS URL.",
    defaultText: '<issuer>/.well-known/jwks.json',
    http: true,
  },
  allowedOrigins: {
    flag: 'allowed-origins',
    env: 'ESCAPE_MCP_ALLOWED_ORIGINS',
    kind: 'string',
    description: 'Comma-separated browser origins allowed to call the server (others get 403).',
    defaultText: 'loopback origins only',
    http: true,
  },
  allowedHosts: {
    flag: 'allowed-hosts',
    env: 'ESCAPE_MCP_ALLOWED_HOSTS',
    kind: 'string',
    description: 'Comma-separated Host header values accepted (DNS-rebinding protection).',
    defaultText: 'loopback names when bound to loopback',
    http: true,
  },
  maxBodyBytes: {
    flag: 'max-body-bytes',
    env: 'ESCAPE_MCP_MAX_BODY_BYTES',
    kind: 'string',
    description: 'Largest accepted request body; larger bodies get 413.',
    defaultText: '1000000',
    http: true,
  },
  gatePollSeconds: {
    flag: 'gate-poll-seconds',
    env: 'ESCAPE_GATE_POLL_SECONDS',
    kind: 'string',
    description: "How often Escape's per-practice tool gates are re-read.",
    defaultText: '60',
    http: true,
  },
  keepAliveSeconds: {
    flag: 'sse-keepalive-seconds',
    env: 'ESCAPE_MCP_SSE_KEEPALIVE_SECONDS',
    kind: 'string',
    description: 'Interval of comment frames on open SSE streams, so proxies do not cut idle streams (0 = none).',
    defaultText: '15',
    http: true,
  },
  heapGrowingPercent: {
    flag: 'heap-growing-percent',
    env: 'ESCAPE_HEAP_GROWING_PERCENT',
    kind: 'string',
    description:
      "How far past its live size V8 lets the heap grow before a full collection, in percent (0 = V8's own adaptive sizing).",
    defaultText: '25',
    http: true,
  },
  maxSessionsPerPrincipal: {
    flag: 'max-sessions-per-principal',
    env: 'ESCAPE_MCP_MAX_SESSIONS_PER_PRINCIPAL',
    kind: 'string',
    description: '2025-era sessions one credential may hold open; more get 429 (the instance holds 1000 in all).',
    defaultText: '20',
    http: true,
  },
  maxSseConnectionsPerPrincipal: {
    flag: 'max-sse-per-principal',
    env: 'ESCAPE_MCP_MAX_SSE_PER_PRINCIPAL',
    kind: 'string',
    description: 'Legacy SSE connections (GET /sse) one credential may hold open; more get 429.',
    defaultText: '20',
    http: true,
  },
  maxListenStreamsPerPrincipal: {
    flag: 'max-listen-per-principal',
    env: 'ESCAPE_MCP_MAX_LISTEN_PER_PRINCIPAL',
    kind: 'string',
    description:
      '2026-07-28 subscriptions/listen streams one credential may hold open; more get 429 (the instance holds 1024 in all).',
    defaultText: '50',
    http: true,
  },
  drainSeconds: {
    flag: 'drain-seconds',
    env: 'ESCAPE_MCP_DRAIN_SECONDS',
    kind: 'string',
    description: 'On SIGTERM, how long in-flight requests may finish before streams and sessions are closed.',
    defaultText: '30',
    http: true,
  },
  state: {
    flag: 'state',
    env: 'ESCAPE_STATE',
    kind: 'string',
    description:
      'Shared state for several replicas behind one load balancer: redis://host:6379 (write ledger and locks, session directory, per-credential caps, one gate poller). Needs ESCAPE_STATE_SECRET. Without it, state lives in this process.',
    defaultText: 'this process',
    http: true,
  },
  stateSecret: {
    env: 'ESCAPE_STATE_SECRET',
    kind: 'string',
    description:
      'With --state: the secret every replica signs confirmation tokens and requestState with (32+ characters, the same on every replica).',
    http: true,
  },
  stateSecretPrevious: {
    env: 'ESCAPE_STATE_SECRET_PREVIOUS',
    kind: 'string',
    description: 'With --state: the secret before the current one, still accepted while it is rotated out.',
    http: true,
  },
} as const satisfies Record<string, OptionSpec>;

type OptionName = keyof typeof OPTIONS;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const integerText = (what: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${what} must be a whole number`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `${what} must be between ${min} and ${max}`);

const booleanText = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .refine((s) => ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', ''].includes(s), 'use true or false')
  .transform((s) => ['true', '1', 'yes', 'on'].includes(s));

const urlText = (what: string) =>
  z
    .string()
    .url(`${what} must be a full URL such as https://api.example.com`)
    .refine((u) => /^https?:/.test(u), `${what} must start with http:// or https://`)
    .transform((u) => u.replace(/\/+$/, ''));

const listText = z.string().transform((s) =>
  s
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean),
);

const rawSchema = z.object({
  demo: booleanText.optional(),
  apiUrl: urlText('ESCAPE_API_URL (--api-url)').optional(),
  apiToken: z.string().min(1).optional(),
  refreshToken: z.string().min(1).optional(),
  tokenStore: z.string().min(1).optional(),
  practice: z.string().trim().min(1).optional(),
  readOnly: booleanText.optional(),
  policyFile: z.string().min(1).optional(),
  toolsets: listText
    .refine((names) => names.length > 0, '--toolsets names at least one toolset (or all)')
    .refine(
      (names) => names.every((name) => name === 'all' || (TOOLSETS as readonly string[]).includes(name)),
      `--toolsets names toolsets among ${TOOLSETS.join(', ')} (or all)`,
    )
    .transform((names): Toolset[] => (names.includes('all') ? [...TOOLSETS] : ([...new Set(names)] as Toolset[])))
    .optional(),
  localGatesOnly: booleanText.optional(),
  pathsFile: z.string().min(1).optional(),
  requestTimeoutMs: integerText('--request-timeout-ms', 100, 120_000).optional(),
  toolTimeoutMs: integerText('--tool-timeout-ms', 500, 300_000).optional(),
  logLevel: z.enum(LOG_LEVELS, { error: `--log-level must be one of ${LOG_LEVELS.join(', ')}` }).optional(),
  host: z.string().min(1).optional(),
  port: integerText('--port', 0, 65_535).optional(),
  publicUrl: urlText('--public-url').optional(),
  auth: z.enum(['required', 'off'], { error: '--auth must be "required" or "off"' }).optional(),
  apiKeysFile: z.string().min(1).optional(),
  jwtIssuer: urlText('--jwt-issuer').optional(),
  jwksUrl: urlText('--jwks-url').optional(),
  jwtMaxLifetime: z
    .string()
    .trim()
    .regex(/^\d+[smhd]?$/, '--jwt-max-lifetime is a whole number of seconds, or one with a unit: 90m, 24h, 7d')
    .transform((text) => Number.parseInt(text, 10) * ({ s: 1, m: 60, h: 3600, d: 86_400 }[text.at(-1) ?? 's'] ?? 1))
    .refine((n) => n >= 60 && n <= 366 * 86_400, '--jwt-max-lifetime must be between 1 minute and 366 days')
    .optional(),
  allowedOrigins: listText.optional(),
  allowedHosts: listText.optional(),
  maxBodyBytes: integerText('--max-body-bytes', 1024, 50_000_000).optional(),
  gatePollSeconds: integerText('--gate-poll-seconds', 1, 86_400).optional(),
  keepAliveSeconds: integerText('--sse-keepalive-seconds', 0, 3_600).optional(),
  drainSeconds: integerText('--drain-seconds', 0, 600).optional(),
  maxSessionsPerPrincipal: integerText('--max-sessions-per-principal', 1, 100_000).optional(),
  maxSseConnectionsPerPrincipal: integerText('--max-sse-per-principal', 1, 100_000).optional(),
  maxListenStreamsPerPrincipal: integerText('--max-listen-per-principal', 1, 100_000).optional(),
  heapGrowingPercent: integerText('--heap-growing-percent', 0, 1_000).optional(),
  state: z
    .string()
    .trim()
    .regex(/^rediss?:\/\/\S+$/, '--state must be a Redis URL such as redis://127.0.0.1:6379')
    .optional(),
  stateSecret: z.string().min(32, 'ESCAPE_STATE_SECRET must be at least 32 characters').optional(),
  stateSecretPrevious: z.string().min(32, 'ESCAPE_STATE_SECRET_PREVIOUS must be at least 32 characters').optional(),
});

export type Upstream =
  | { kind: 'demo' }
  | {
      kind: 'remote';
      apiUrl: string;
      credential: { kind: 'static'; token: string } | { kind: 'refresh'; refreshToken: string; storePath: string };
    };

/**
 * Less memory under load for a little less peak throughput (bench/results/heap-ab.md): a
 * practice's own traffic is far below that throughput, its host's memory is not.
 */
const DEFAULT_HEAP_GROWING_PERCENT = 25;

export interface HttpSettings {
  host: string;
  port: number;
  publicUrl: string | undefined;
  auth: 'required' | 'off';
  apiKeysFile: string | undefined;
  jwtIssuer: string | undefined;
  jwksUrl: string | undefined;
  /** Longest validity accepted for an inbound JWT, in seconds. */
  jwtMaxLifetimeSeconds: number;
  allowedOrigins: string[] | undefined;
  allowedHosts: string[] | undefined;
  maxBodyBytes: number;
  gatePollSeconds: number;
  keepAliveSeconds: number;
  drainSeconds: number;
  /** Per-principal caps: 2025 sessions, legacy SSE connections, 2026-07-28 listen streams. */
  maxSessionsPerPrincipal: number;
  maxSseConnectionsPerPrincipal: number;
  maxListenStreamsPerPrincipal: number;
  /** V8's heap growing factor as a percentage over the live heap; 0 = V8's default (see src/heap.ts). */
  heapGrowingPercent: number;
}

export interface Config {
  command: 'stdio' | 'http';
  help: boolean;
  version: boolean;
  /** Print the tool catalog in the Escape API's REGISTRY shape and exit. */
  printCatalog: boolean;
  /** Print when each start-up step finished, one JSON line on stderr (bench/cold-start.ts). */
  startupTimings: boolean;
  upstream: Upstream;
  pinnedPractice: string | undefined;
  readOnly: boolean;
  policyFile: string | undefined;
  /** The toolsets offered (every practice; a policy may turn more off per practice). */
  toolsets: readonly Toolset[];
  /** Serve write tools where Escape's gate rows cannot be read (see GateRegistry). */
  localGatesOnly: boolean;
  pathsFile: string | undefined;
  requestTimeoutMs: number;
  toolTimeoutMs: number;
  logLevel: (typeof LOG_LEVELS)[number];
  /** True when --log-level or ESCAPE_LOG_LEVEL chose the level (a demo on a terminal logs less otherwise). */
  logLevelSet: boolean;
  http: HttpSettings;
  /** Shared state (--state): undefined keeps it in this process; secrets[0] signs, every one verifies. */
  state: { url: string; secrets: string[] } | undefined;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * True for an IP literal in a loopback range (127.0.0.0/8, ::1, and IPv4-mapped 127.x). A name is
 * never loopback here, whatever it looks like ("127.attacker.example"): names are resolved when
 * the server starts, and every address they resolve to must be loopback (transports/http.ts).
 */
export function isLoopbackAddress(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const version = isIP(bare);
  if (version === 0) return false;
  // BlockList matches IPv4-mapped IPv6 addresses against its IPv4 subnets.
  return LOOPBACK.check(bare, version === 4 ? 'ipv4' : 'ipv6');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const name = String(issue.path[0] ?? '') as OptionName;
  const spec: OptionSpec | undefined = OPTIONS[name];
  const where = spec ? (spec.flag ? `--${spec.flag} / ${spec.env}` : spec.env) : name;
  return `${where}: ${issue.message}`;
}

/** This process's configuration: its command-line arguments and its environment. */
export function processConfig(): Config {
  return parseConfig(process.argv.slice(2), process.env);
}

/**
 * Parses argv (without the node and script entries) and the environment into a Config.
 * Throws ConfigError with every problem listed and how to fix it.
 */
export function parseConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Config {
  const flagOptions: Record<string, { type: OptionKind }> = {
    help: { type: 'boolean' },
    version: { type: 'boolean' },
    'print-catalog': { type: 'boolean' },
    'startup-timings': { type: 'boolean' },
  };
  for (const spec of Object.values(OPTIONS) as OptionSpec[]) {
    if (spec.flag) flagOptions[spec.flag] = { type: spec.kind };
  }

  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: flagOptions, allowPositionals: true, strict: true });
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}. Run with --help to see every option.`);
  }

  const positionals = parsed.positionals;
  const command = positionals[0] ?? 'stdio';
  if (command !== 'stdio' && command !== 'http') {
    throw new ConfigError(`Unknown command "${command}". Use "stdio" (the default) or "http".`);
  }
  if (positionals.length > 1) {
    throw new ConfigError(`Unexpected argument "${positionals[1]}". Run with --help to see the usage.`);
  }

  const raw: Record<string, string | undefined> = {};
  for (const [name, spec] of Object.entries(OPTIONS) as [OptionName, OptionSpec][]) {
    const flagValue = spec.flag ? parsed.values[spec.flag] : undefined;
    if (flagValue !== undefined) raw[name] = String(flagValue);
    else if (env[spec.env] !== undefined && env[spec.env] !== '') raw[name] = env[spec.env];
  }

  const result = rawSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      `Invalid configuration:\n${result.error.issues.map((i) => `  - ${describeIssue(i)}`).join('\n')}`,
    );
  }
  const values = result.data;
  const problems: string[] = [];

  let upstream: Upstream;
  if (values.demo === true || values.apiUrl === undefined) {
    upstream = { kind: 'demo' };
  } else if (values.apiToken && values.refreshToken) {
    problems.push(
      'Set only one of ESCAPE_API_TOKEN (a static bearer token) or ESCAPE_REFRESH_TOKEN (SimpleJWT), not both.',
    );
    upstream = { kind: 'demo' };
  } else if (values.apiToken) {
    upstream = { kind: 'remote', apiUrl: values.apiUrl, credential: { kind: 'static', token: values.apiToken } };
  } else if (values.refreshToken) {
    upstream = {
      kind: 'remote',
      apiUrl: values.apiUrl,
      credential: {
        kind: 'refresh',
        refreshToken: values.refreshToken,
        storePath: values.tokenStore ?? join(homedir(), '.escape-dental-mcp', 'session.json'),
      },
    };
  } else {
    problems.push(
      'ESCAPE_API_URL is set but no credential is: set ESCAPE_API_TOKEN (an OAuth access token) or ESCAPE_REFRESH_TOKEN (a SimpleJWT refresh token), or unset ESCAPE_API_URL to run the demo sandbox.',
    );
    upstream = { kind: 'demo' };
  }

  const host = values.host ?? '127.0.0.1';
  const auth = values.auth ?? 'required';
  if (auth === 'off' && isIP(host.replace(/^\[|\]$/g, '')) !== 0 && !isLoopbackAddress(host)) {
    problems.push(
      `--auth off is allowed only on a loopback host; the server is set to bind ${host}. Bind 127.0.0.1 or configure API keys / a JWT issuer.`,
    );
  }
  if (values.jwksUrl && !values.jwtIssuer) {
    problems.push('--jwks-url needs --jwt-issuer (ESCAPE_MCP_JWT_ISSUER) as well.');
  }

  if (values.state && !values.stateSecret) {
    problems.push(
      "--state needs ESCAPE_STATE_SECRET (32+ characters, the same on every replica): replicas must accept each other's confirmations.",
    );
  }

  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }

  return {
    command,
    help: parsed.values.help === true,
    version: parsed.values.version === true,
    printCatalog: parsed.values['print-catalog'] === true,
    startupTimings: parsed.values['startup-timings'] === true,
    upstream,
    pinnedPractice: values.practice,
    readOnly: values.readOnly ?? false,
    policyFile: values.policyFile,
    toolsets: values.toolsets ?? [...DEFAULT_TOOLSETS],
    localGatesOnly: values.localGatesOnly ?? false,
    pathsFile: values.pathsFile,
    requestTimeoutMs: values.requestTimeoutMs ?? 10_000,
    toolTimeoutMs: values.toolTimeoutMs ?? 25_000,
    logLevel: values.logLevel ?? 'info',
    logLevelSet: values.logLevel !== undefined,
    http: {
      host,
      port: values.port ?? 3333,
      publicUrl: values.publicUrl,
      auth,
      apiKeysFile: values.apiKeysFile,
      jwtIssuer: values.jwtIssuer,
      jwksUrl: values.jwksUrl ?? (values.jwtIssuer ? `${values.jwtIssuer}/.well-known/jwks.json` : undefined),
      jwtMaxLifetimeSeconds: values.jwtMaxLifetime ?? 86_400,
      allowedOrigins: values.allowedOrigins,
      allowedHosts: values.allowedHosts,
      maxBodyBytes: values.maxBodyBytes ?? 1_000_000,
      gatePollSeconds: values.gatePollSeconds ?? 60,
      keepAliveSeconds: values.keepAliveSeconds ?? 15,
      drainSeconds: values.drainSeconds ?? 30,
      maxSessionsPerPrincipal: values.maxSessionsPerPrincipal ?? 20,
      maxSseConnectionsPerPrincipal: values.maxSseConnectionsPerPrincipal ?? 20,
      maxListenStreamsPerPrincipal: values.maxListenStreamsPerPrincipal ?? 50,
      heapGrowingPercent: values.heapGrowingPercent ?? DEFAULT_HEAP_GROWING_PERCENT,
    },
    state:
      values.state && values.stateSecret
        ? {
            url: values.state,
            secrets: [values.stateSecret, ...(values.stateSecretPrevious ? [values.stateSecretPrevious] : [])],
          }
        : undefined,
  };
}

/** The text of `--help`, generated from OPTIONS so it never drifts from what is parsed. */
export function helpText(): string {
  const line = (spec: OptionSpec) => {
    const name = spec.flag ? `--${spec.flag}${spec.kind === 'string' ? ' <value>' : ''}` : '(environment only)';
    const fallback = spec.defaultText ? ` [default: ${spec.defaultText}]` : '';
    return `  ${name.padEnd(30)} ${spec.env.padEnd(28)} ${spec.description}${fallback}`;
  };
  const specs = Object.values(OPTIONS) as OptionSpec[];
  return [
    'Usage: escape-dental-mcp [stdio|http] [options]',
    '',
    '  stdio (default)  serve MCP over stdin/stdout, for Claude Desktop, Claude Code and IDEs',
    '  http             serve MCP over HTTP (Streamable HTTP at /mcp, legacy SSE at /sse)',
    '',
    'With no API URL configured the server starts the embedded sandbox: synthetic practices, no real patients.',
    '',
    'Options (flag, environment variable, meaning):',
    ...specs.filter((s) => !s.http).map(line),
    '',
    'HTTP server:',
    ...specs.filter((s) => s.http).map(line),
    '',
    '  --help                         show this text',
    '  --version                      print the version',
    "  --print-catalog                print the tool catalog in the Escape API's REGISTRY shape (JSON)",
    '  --startup-timings              print when each start-up step finished (one JSON line on stderr)',
  ].join('\n');
}
