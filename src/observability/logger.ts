import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Paths pino blanks in every log line. Secrets are also kept out by construction (errors never carry
 * URLs, and nothing logs the config), so this is the second line of defence.
 */
const REDACTED_LOG_PATHS = [
  'secretKey',
  '*.secretKey',
  'usersig',
  '*.usersig',
  'userSig',
  '*.userSig',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'query.usersig',
  '*.query.usersig',
];

export interface LoggerOptions {
  level: string;
  /** Human-readable lines (pino-pretty) instead of JSON; for a developer's terminal. */
  pretty?: boolean;
  /** Where JSON lines go; default stdout. Tests pass a stream to capture them. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const base = { level: options.level, redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' } };
  if (options.pretty && options.destination === undefined && prettyAvailable()) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } });
  }
  return options.destination === undefined ? pino(base) : pino(base, options.destination);
}

// pino-pretty is a development dependency; a production install without it still logs JSON.
function prettyAvailable(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}
