// Which language a config file is written in: its extension says so, and when it does not
// (".conf", no extension), its first character does, as for consul-template: JSON starts with "{".
import { extname } from 'node:path';
import { ConfigError } from './config-error.ts';

export type ConfigFormat = 'json' | 'hcl';

export function configFormat(file: string, text: string): ConfigFormat {
  const extension = extname(file).toLowerCase();
  if (extension === '.json') return 'json';
  if (extension === '.hcl') return 'hcl';
  if (extension === '.yaml' || extension === '.yml') {
    throw new ConfigError(`${file}: YAML config files are not supported; write it in consul-template's HCL or JSON form`);
  }
  return text.trimStart().startsWith('{') ? 'json' : 'hcl';
}
