// consul-template's configuration in its JSON form, limited to the settings drcon supports.
// Anything else is refused by name: a silently ignored "vault" or "perms" would surprise later.
import { readFile } from 'node:fs/promises';
import { logLevels, type LogLevel } from '../log/logger.ts';
import { ConfigError } from './config-error.ts';
import { parseDuration } from './duration.ts';
import { describeJsonError } from './json-error.ts';
import type { PartialSettings, TemplateSettings, WaitSettings } from './settings.ts';
import { parseWait, waitWindow } from './wait.ts';

type Json = Record<string, unknown>;

export async function loadConfigFile(file: string): Promise<PartialSettings> {
  let text: string;
  try {
    // Some editors start a UTF-8 file with a byte order mark, which JSON.parse refuses.
    text = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(`${file}: cannot read the config file (${code})`);
  }
  return parseConfig(text, file);
}

/** Settings from the JSON `text` of `file` (the name is only used in error messages). */
export function parseConfig(text: string, file: string): PartialSettings {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(describeJsonError(text, error, file));
  }
  const read = new Reader(file);
  const top = read.object(root, '');
  read.onlyKeys(top, '', ['consul', 'template', 'wait', 'max_stale', 'log_level']);

  const settings: PartialSettings = {};
  if (top.consul !== undefined) {
    const consul = read.object(top.consul, 'consul');
    read.onlyKeys(consul, 'consul', ['address', 'token', 'ssl']);
    if (consul.address !== undefined) settings.consulAddresses = read.addresses(consul.address, 'consul.address');
    if (consul.token !== undefined) settings.token = read.string(consul.token, 'consul.token');
    if (consul.ssl !== undefined) {
      const ssl = read.object(consul.ssl, 'consul.ssl');
      read.onlyKeys(ssl, 'consul.ssl', ['ca_cert']);
      if (ssl.ca_cert !== undefined) settings.caFile = read.string(ssl.ca_cert, 'consul.ssl.ca_cert');
    }
  }
  if (top.template !== undefined) {
    // consul-template's JSON writes a single block as an object and several as an array.
    const blocks = Array.isArray(top.template) ? top.template : [top.template];
    settings.templates = blocks.map((block, index) => read.template(block, `template[${index}]`));
  }
  if (top.wait !== undefined) settings.wait = read.wait(top.wait, 'wait');
  if (top.max_stale !== undefined) settings.maxStaleMs = read.duration(top.max_stale, 'max_stale');
  if (top.log_level !== undefined) settings.logLevel = read.logLevel(top.log_level, 'log_level');
  return settings;
}

/** Typed reads of one file's values; every error names the file and the setting's path. */
class Reader {
  readonly file: string;
  constructor(file: string) {
    this.file = file;
  }

  fail(path: string, why: string): never {
    throw new ConfigError(`${this.file}: ${path === '' ? '' : `"${path}" `}${why}`);
  }

  object(value: unknown, path: string): Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, 'must be an object');
    return value as Json;
  }

  onlyKeys(object: Json, path: string, allowed: string[]): void {
    for (const key of Object.keys(object)) {
      if (!allowed.includes(key)) {
        throw new ConfigError(`${this.file}: unsupported setting ${JSON.stringify(path === '' ? key : `${path}.${key}`)}`);
      }
    }
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string') this.fail(path, 'must be a string');
    return value;
  }

  addresses(value: unknown, path: string): string[] {
    const list = Array.isArray(value) ? value : [value];
    const addresses = list.map((item) => this.string(item, path));
    if (addresses.length === 0 || addresses.some((address) => address.trim() === '')) this.fail(path, 'must not be empty');
    return addresses;
  }

  duration(value: unknown, path: string): number {
    return parseDuration(this.string(value, path), `${this.file}: ${path}`);
  }

  /** "2s", "2s:10s", or consul-template's block form {"min": "2s", "max": "10s"}. */
  wait(value: unknown, path: string): WaitSettings {
    if (typeof value === 'string') return parseWait(value, `${this.file}: ${path}`);
    const block = this.object(value, path);
    this.onlyKeys(block, path, ['min', 'max']);
    if (block.min === undefined) this.fail(path, 'needs "min"');
    const minMs = this.duration(block.min, `${path}.min`);
    const maxMs = block.max === undefined ? undefined : this.duration(block.max, `${path}.max`);
    return waitWindow(minMs, maxMs, JSON.stringify(value), `${this.file}: ${path}`);
  }

  logLevel(value: unknown, path: string): LogLevel {
    const text = this.string(value, path).toLowerCase();
    // consul-template spells the error level "err".
    const level = text === 'err' ? 'error' : text;
    if (!(logLevels as string[]).includes(level)) this.fail(path, `must be one of ${logLevels.join(', ')}`);
    return level as LogLevel;
  }

  template(value: unknown, path: string): TemplateSettings {
    const block = this.object(value, path);
    this.onlyKeys(block, path, ['source', 'destination', 'command', 'command_timeout', 'wait', 'check']);
    for (const required of ['source', 'destination']) {
      if (block[required] === undefined) this.fail(path, `needs "${required}"`);
    }
    const template: TemplateSettings = {
      source: this.nonEmpty(block.source, `${path}.source`),
      destination: this.nonEmpty(block.destination, `${path}.destination`),
    };
    const command = this.optionalCommand(block.command, `${path}.command`);
    if (command !== undefined) template.command = command;
    if (block.command_timeout !== undefined) {
      template.commandTimeoutMs = this.duration(block.command_timeout, `${path}.command_timeout`);
    }
    if (block.wait !== undefined) template.wait = this.wait(block.wait, `${path}.wait`);
    const check = this.optionalCommand(block.check, `${path}.check`);
    if (check !== undefined) template.check = check;
    return template;
  }

  /** A blank command is no command, as with the `-template` flag. */
  optionalCommand(value: unknown, path: string): string | undefined {
    if (value === undefined) return undefined;
    const command = this.string(value, path).trim();
    return command === '' ? undefined : command;
  }

  nonEmpty(value: unknown, path: string): string {
    const text = this.string(value, path);
    if (text.trim() === '') this.fail(path, 'must not be empty');
    return text;
  }
}
