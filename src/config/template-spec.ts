// The "-template source:destination[:command]" flag. Everything after the second colon is the
// command, so a command may itself contain colons; paths cannot (as in consul-template).
import { ConfigError } from './config-error.ts';
import type { TemplateSettings } from './settings.ts';

const usage = 'expected source:destination[:command]';

export function parseTemplateSpec(value: string, flag = '-template'): TemplateSettings {
  const fail = (why: string): never => {
    throw new ConfigError(`${flag} ${JSON.stringify(value)}: ${why} (${usage})`);
  };
  const first = value.indexOf(':');
  if (first === -1) return fail('missing destination');
  const second = value.indexOf(':', first + 1);
  // Surrounding blanks in a path are a typo ("a.hbs: b.conf"), never intended.
  const source = value.slice(0, first).trim();
  const destination = (second === -1 ? value.slice(first + 1) : value.slice(first + 1, second)).trim();
  const command = second === -1 ? '' : value.slice(second + 1).trim();
  if (source === '') fail('empty source');
  if (destination === '') fail('empty destination');
  return command === '' ? { source, destination } : { source, destination, command };
}
