/**
 * pino, writing to stderr only: on stdio, stdout carries the MCP protocol and nothing else. JSON
 * lines, except for a person at a terminal (`terminalDestination`).
 *
 * Logs must never carry patient data or secrets. The first line of defence is discipline: the
 * server logs ids, tool names, outcomes and timings, never arguments or upstream bodies. The
 * redaction list below is the second line, for fields that slip into an error object; it applies
 * before a line is written, whatever renders it.
 */
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

const SECRET_KEYS = ['authorization', 'token', 'access', 'refresh', 'password', 'apiKey', 'api_key', 'cookie'];
const PATIENT_KEYS = [
  'first_name',
  'last_name',
  'preferred_name',
  'firstName',
  'lastName',
  'name',
  'patient_name',
  'date_of_birth',
  'dateOfBirth',
  'dob',
  'phone',
  'phone_home',
  'phone_work',
  'phone_mobile',
  'email',
  'note',
  'notes',
  'content',
  'subject',
  'arguments',
  'args',
  'body',
];

const REDACTED_PATHS = [...SECRET_KEYS, ...PATIENT_KEYS].flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

export interface LoggerSettings {
  level: string;
  /** Defaults to stderr (fd 2). Tests pass a stream to capture and scan the output. */
  destination?: DestinationStream;
}

const AUDIT = Symbol('escape-dental-mcp.audit');
type WithAudit = Logger & { [AUDIT]?: Logger };

export function createLogger(settings: LoggerSettings): Logger {
  const base: LoggerOptions = {
    level: settings.level,
    base: { service: 'escape-dental-mcp' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  // Asynchronous: a synchronous write per line stalls the event loop whenever whatever reads
  // stderr falls behind; lines logged while a write is in flight go out together. pino writes what
  // is still queued on 'exit' (every stop of main.ts ends in process.exit, and an uncaught
  // exception emits 'exit' too), and Node lets a write in flight finish before it exits
  // (test/integration/audit-durability.test.ts counts the lines). Only a SIGKILL or a native crash
  // loses the lines still queued.
  const destination = settings.destination ?? pino.destination({ dest: 2, sync: false });
  const logger: WithAudit = pino({ ...base, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
  // Audit lines are built from ids and outcomes only (tools/framework/invoke.ts), so the wildcard redaction
  // has nothing to do there, and it was the largest share of a tool call's fixed overhead in CPU
  // profiles. They go through a sibling without redaction, to the same destination.
  logger[AUDIT] = pino(base, destination);
  return logger;
}

/** How pino-pretty renders a line for a terminal: one line per entry, the local time, no fixed fields. */
const TERMINAL_FORMAT = { singleLine: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service' };

/**
 * Turns one JSON log line into the line a person reads on a terminal (pino-pretty's formatter).
 * pino-pretty is loaded here only: a server started by a client or a supervisor never loads it,
 * and in the bundle it is a chunk of its own.
 */
export async function terminalFormatter(options: { colorize?: boolean } = {}): Promise<(line: string) => string> {
  // The default export, which is module.exports both in Node and in the bundle (its chunk has no named exports).
  const pinoPretty = (await import('pino-pretty')).default;
  return pinoPretty.prettyFactory({ ...TERMINAL_FORMAT, ...options });
}

/**
 * Logs for a person at a terminal (stderr is a TTY): pino-pretty's lines instead of JSON, written
 * synchronously (rather than through pino-pretty's stream or a transport's worker), so a line
 * logged just before the process exits is not lost.
 */
export async function terminalDestination(
  target: DestinationStream = pino.destination({ dest: 2, sync: true }),
): Promise<DestinationStream> {
  const format = await terminalFormatter();
  return { write: (line: string) => target.write(format(line)) };
}

/**
 * The level on a terminal: the demo (`npm start`) logs warnings and errors only, unless a level was
 * asked for, so the banner is what a newcomer reads; everything else keeps the configured level.
 */
export function terminalLogLevel<Level extends string>(config: {
  logLevel: Level;
  logLevelSet: boolean;
  demo: boolean;
}): Level | 'warn' {
  return config.demo && !config.logLevelSet && config.logLevel === 'info' ? 'warn' : config.logLevel;
}

/** Writes one audit line (ids and outcomes only — never free text) at info level. */
export function writeAudit(logger: Logger, fields: Record<string, unknown>, message: string): void {
  const audit = (logger as WithAudit)[AUDIT];
  if (audit && logger.isLevelEnabled('info')) audit.info(fields, message);
  else logger.info(fields, message);
}

/** A logger that drops everything, for unit tests that do not inspect logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
