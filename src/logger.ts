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

export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    base: { service: 'escape-dental-mcp' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return pino(options, settings.destination ?? pino.destination({ dest: 2, sync: true }));
}

/** A logger that drops everything, for unit tests that do not inspect logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
