// The effective settings as one startup log line, so an operator sees what drcon actually runs
// with after defaults, environment, config files and flags were merged. The token is only "set" or
// "unset"; its value never leaves the settings.
import type { LogFields } from '../log/logger.ts';
import type { Settings, TemplateSettings } from '../config/settings.ts';
import { formatStatusAddress, type StatusAddress } from '../config/status-address.ts';

export function settingsForLog(settings: Settings, status: StatusAddress | 'off', extra: LogFields = {}): LogFields {
  return {
    // Lists of plain words read better joined than as JSON in a text log line.
    consul: settings.consulAddresses.join(','),
    token: settings.token ? 'set' : 'unset',
    caFile: settings.caFile,
    insecureSkipVerify: settings.insecureSkipVerify || undefined,
    templates: settings.templates.length > 0 ? settings.templates.map(describeTemplate) : undefined,
    ...extra,
    once: settings.once || undefined,
    retryAttempts: settings.once ? settings.retryAttempts : undefined,
    dry: settings.dry || undefined,
    wait: settings.wait ? `${settings.wait.minMs}ms:${settings.wait.maxMs}ms` : 'off',
    minIntervalMs: settings.minIntervalMs,
    maxStaleMs: settings.maxStaleMs,
    consulWaitMs: settings.blockingWaitMs,
    maxBlockingQueries: settings.maxBlockingQueries,
    commandTimeoutMs: settings.commandTimeoutMs,
    logLevel: settings.logLevel,
    logFormat: settings.logFormat,
    status: status === 'off' ? 'off' : formatStatusAddress(status),
  };
}

function describeTemplate(template: TemplateSettings): string {
  const actions = [
    template.check ? `check: ${template.check}` : undefined,
    template.command ? `command: ${template.command}` : undefined,
  ].filter(Boolean);
  return `${template.source} → ${template.destination}${actions.length > 0 ? ` (${actions.join('; ')})` : ''}`;
}
