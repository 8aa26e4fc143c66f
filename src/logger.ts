/**
 * pino, writing to stderr only: on stdio, stdout carries the MCP protocol and nothing else.
 *
 * Logs must never carry patient data or secrets. The first line of defence is discipline: the
 * server logs ids, tool names, outcomes and timings, never arguments or upstream bodies. The
 * redaction list below is the second line, for fields that slip into an error object.
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

export const REDACTED_PATHS = [...SECRET_KEYS, ...PATIENT_KEYS].flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

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
  const destination = settings.destination ?? pino.destination({ dest: 2, sync: true });
  const logger: WithAudit = pino({ ...base, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
  // Audit lines are built from ids and outcomes only (tools/invoke.ts), so the wildcard redaction
  // has nothing to do there — and it cost ~0.2 ms per line, the largest share of a tool call's
  // fixed overhead. They go through a sibling without redaction, to the same destination.
  logger[AUDIT] = pino(base, destination);
  return logger;
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
