// Typed reads of one config file's values, whichever language it was written in. Every error
// names the file and the setting's path; settings drcon does not know are collected as the file
// is read, so that all of them are reported together, one line each.
import { constants } from 'node:os';
import { parseConsulAddress } from './consul-address.ts';
import { logLevels, type LogLevel } from '../log/logger.ts';
import { ConfigError } from './config-error.ts';
import { parseDuration } from './duration.ts';
import type { WaitSettings } from './settings.ts';
import { shellCommandLine } from '../process/shell-words.ts';
import { parseWait, waitWindow } from './wait.ts';

export type ConfigObject = Record<string, unknown>;

export class ConfigReader {
  readonly file: string;
  readonly #unsupported: string[] = [];

  constructor(file: string) {
    this.file = file;
  }

  /** Throws `why` about `path`, after the unsupported settings found so far (they are news too). */
  fail(path: string, why: string): never {
    throw new ConfigError([...this.#unsupportedLines(), `${this.file}: ${path === '' ? '' : `"${path}" `}${why}`].join('\n'));
  }

  /** Records every key of `object` outside `known` as unsupported; returns `object`. */
  known(object: ConfigObject, path: string, known: readonly string[]): ConfigObject {
    for (const key of Object.keys(object)) {
      if (!known.includes(key)) this.#unsupported.push(path === '' ? key : `${path}.${key}`);
    }
    return object;
  }

  /** Throws one line per unsupported setting, if there were any. */
  finish(): void {
    if (this.#unsupported.length > 0) throw new ConfigError(this.#unsupportedLines().join('\n'));
  }

  #unsupportedLines(): string[] {
    return this.#unsupported.map((path) => `${this.file}: unsupported setting ${JSON.stringify(path)}`);
  }

  object(value: unknown, path: string): ConfigObject {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, 'must be an object');
    return value as ConfigObject;
  }

  /** A block that may appear once: HCL 1 reads `consul { … }` as a list holding one object. */
  block(value: unknown, path: string): ConfigObject {
    if (!Array.isArray(value)) return this.object(value, path);
    if (value.length > 1) this.fail(path, `is given ${value.length} times; give it once`);
    return this.object(value[0], path);
  }

  /** A block that may repeat (`template`): one object or a list of them. */
  blocks(value: unknown, path: string): { block: ConfigObject; path: string }[] {
    const list = Array.isArray(value) ? value : [value];
    return list.map((item, index) => ({ block: this.object(item, `${path}[${index}]`), path: `${path}[${index}]` }));
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string') this.fail(path, 'must be a string');
    return value;
  }

  nonEmpty(value: unknown, path: string): string {
    const text = this.string(value, path);
    if (text.trim() === '') this.fail(path, 'must not be empty');
    return text;
  }

  boolean(value: unknown, path: string): boolean {
    if (typeof value !== 'boolean') this.fail(path, 'must be true or false');
    return value;
  }

  /** A count: 0, 1, 2, … */
  wholeNumber(value: unknown, path: string): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) this.fail(path, 'must be a whole number ≥ 0');
    return value;
  }

  /** One agent address or a list of them (drcon fails over between them). */
  addresses(value: unknown, path: string): string[] {
    const list = Array.isArray(value) ? value : [value];
    const addresses = list.map((item) => this.string(item, path));
    if (addresses.length === 0 || addresses.some((address) => address.trim() === '')) this.fail(path, 'must not be empty');
    for (const address of addresses) {
      try {
        parseConsulAddress(address);
      } catch (error) {
        this.fail(path, (error as Error).message);
      }
    }
    return addresses;
  }

  duration(value: unknown, path: string): number {
    return parseDuration(this.string(value, path), `${this.file}: ${path}`);
  }

  /** "2s", "2s:10s", or the block form {min = "2s", max = "10s"}. */
  wait(value: unknown, path: string): WaitSettings {
    if (typeof value === 'string') return parseWait(value, `${this.file}: ${path}`);
    const block = this.known(this.block(value, path), path, ['min', 'max']);
    if (block.min === undefined) this.fail(path, 'needs "min"');
    const minMs = this.duration(block.min, `${path}.min`);
    const maxMs = block.max === undefined ? undefined : this.duration(block.max, `${path}.max`);
    return waitWindow(minMs, maxMs, JSON.stringify(block), `${this.file}: ${path}`);
  }

  logLevel(value: unknown, path: string): LogLevel {
    const text = this.string(value, path).toLowerCase();
    // consul-template spells the error level "err".
    const level = text === 'err' ? 'error' : text;
    if (!(logLevels as string[]).includes(level)) this.fail(path, `must be one of ${logLevels.join(', ')}`);
    return level as LogLevel;
  }

  /** A signal name such as "SIGHUP" (or "HUP"), as Node.js spells it. */
  signal(value: unknown, path: string): NodeJS.Signals {
    const text = this.string(value, path).trim().toUpperCase();
    const name = text.startsWith('SIG') ? text : `SIG${text}`;
    if (!(name in constants.signals)) this.fail(path, `is not a signal: ${JSON.stringify(value)}`);
    return name as NodeJS.Signals;
  }

  /** A string, or a list of strings (consul-template's form of a command's program and arguments). */
  words(value: unknown, path: string): string | string[] {
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && value.every((word) => typeof word === 'string')) return value as string[];
    this.fail(path, 'must be a string or a list of strings');
  }

  /**
   * A shell command line, or consul-template's list form. As consul-template does, a list of one
   * goes to the shell like a string, and a longer list is a program and its arguments (quoted
   * here, since drcon runs every command through the shell). Blank is no command.
   */
  command(value: unknown, path: string): string | undefined {
    const words = this.words(value, path);
    const text = (typeof words === 'string' ? words : words.length === 1 ? words[0]! : shellCommandLine(words)).trim();
    return text === '' ? undefined : text;
  }
}
