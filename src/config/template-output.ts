// The settings of a consul-template `template { }` block about how its file is written, and the
// ones drcon can only take at the value that matches what it does: custom delimiters (Handlebars
// has `{{ }}` only) and error_on_missing_key (a missing field renders empty in Handlebars).
import type { ConfigObject, ConfigReader } from './config-reader.ts';
import type { OutputSettings } from './settings.ts';
import { systemId } from './system-users.ts';

export const templateOutputKeys = ['perms', 'backup', 'user', 'group', 'create_dest_dirs', 'error_on_missing_key', 'left_delimiter', 'right_delimiter'];

export function readTemplateOutput(read: ConfigReader, block: ConfigObject, path: string): OutputSettings {
  const output: OutputSettings = {};
  if (block.perms !== undefined) output.perms = readPerms(read, block.perms, `${path}.perms`);
  if (block.backup !== undefined) output.backup = read.boolean(block.backup, `${path}.backup`);
  if (block.create_dest_dirs !== undefined) output.createDirectory = read.boolean(block.create_dest_dirs, `${path}.create_dest_dirs`);
  if (block.user !== undefined) output.uid = readId(read, block.user, `${path}.user`, '/etc/passwd');
  if (block.group !== undefined) output.gid = readId(read, block.group, `${path}.group`, '/etc/group');
  if (block.error_on_missing_key !== undefined && read.boolean(block.error_on_missing_key, `${path}.error_on_missing_key`)) {
    read.fail(`${path}.error_on_missing_key`, 'cannot be true: in drcon\'s Handlebars templates a missing field renders empty (test it with {{#if}})');
  }
  for (const [key, handlebars] of [['left_delimiter', '{{'], ['right_delimiter', '}}']] as const) {
    if (block[key] !== undefined && read.string(block[key], `${path}.${key}`) !== handlebars) {
      read.fail(`${path}.${key}`, `must be "${handlebars}": drcon's templates are Handlebars, whose delimiters cannot change`);
    }
  }
  return output;
}

/** A file mode: HCL's 0600 arrives as the number 384; JSON's "0600" as octal text. */
function readPerms(read: ConfigReader, value: unknown, path: string): number {
  const mode = typeof value === 'string' && /^0?[0-7]{3,4}$/.test(value.trim()) ? Number.parseInt(value.trim(), 8) : value;
  if (typeof mode !== 'number' || !Number.isSafeInteger(mode) || mode < 0 || mode > 0o7777) read.fail(path, 'must be a file mode such as 0644');
  return mode;
}

function readId(read: ConfigReader, value: unknown, path: string, database: '/etc/passwd' | '/etc/group'): number {
  if (typeof value !== 'string' && typeof value !== 'number') read.fail(path, 'must be a name or a number');
  const id = systemId(value, database);
  if (id === undefined) read.fail(path, `${JSON.stringify(value)} is not in ${database}`);
  return id;
}
