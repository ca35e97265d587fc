// The logger a command runs with: the level and format the settings say, and the ACL token
// scrubbed from every line.
import { createLogger, type Logger } from '../log/logger.ts';
import type { Settings } from '../config/settings.ts';

export function loggerFor(settings: Pick<Settings, 'logLevel' | 'logFormat' | 'token'>): Logger {
  return createLogger({ level: settings.logLevel, format: settings.logFormat, secrets: settings.token ? [settings.token] : [] });
}
