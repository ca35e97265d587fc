// One line per event, with time and level; text for people, JSON for collectors.
// Secrets are scrubbed here, at the single exit, so no caller can leak one by accident.

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';
export type LogFields = Record<string, unknown>;

const rank: Record<LogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 };
export const logLevels = Object.keys(rank) as LogLevel[];

export interface Logger {
  trace(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger whose lines all carry these fields (e.g. the template or dependency concerned). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Strings that must never be printed (ACL tokens); each is replaced by "[redacted]". */
  secrets?: readonly string[];
  write?: (line: string) => void;
}

export function createLogger(options: LoggerOptions = {}, bound: LogFields = {}): Logger {
  const threshold = rank[options.level ?? 'info'];
  const format = options.format ?? 'text';
  const secrets = (options.secrets ?? []).filter((s) => s.length > 0);
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));

  const scrub = (text: string): string =>
    secrets.reduce((out, secret) => out.split(secret).join('[redacted]'), text);

  const emit = (level: LogLevel, message: string, fields: LogFields = {}): void => {
    if (rank[level] < threshold) return;
    const all = { ...bound, ...fields };
    const time = new Date().toISOString();
    const line =
      format === 'json'
        ? JSON.stringify({ time, level, msg: message, ...all }, jsonValue)
        : `${time} ${level.toUpperCase().padEnd(5)} ${message}${formatFields(all)}`;
    write(scrub(line));
  };

  return {
    trace: (m, f) => emit('trace', m, f),
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}

function jsonValue(_key: string, value: unknown): unknown {
  return value instanceof Error ? value.message : value;
}

function formatFields(fields: LogFields): string {
  const parts = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${formatValue(v)}`);
  return parts.length > 0 ? ' ' + parts.join(' ') : '';
}

function formatValue(value: unknown): string {
  const text = value instanceof Error ? value.message : typeof value === 'string' ? value : JSON.stringify(value);
  return /^[^\s"=]+$/.test(text ?? '') ? text! : JSON.stringify(text);
}

/** A logger that prints nothing, for tests and library use. */
export const silentLogger: Logger = createLogger({ write: () => {} });
