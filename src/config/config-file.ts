// consul-template's configuration file, in its HCL or JSON form, limited to the settings drcon
// supports. Every other setting is refused by name: a silently ignored "vault" or "perms" would
// surprise later.
import { readFile } from 'node:fs/promises';
import { ConfigError } from './config-error.ts';
import { configFormat } from './config-format.ts';
import { ConfigReader, type ConfigObject } from './config-reader.ts';
import { parseHcl } from './hcl.ts';
import { readTemplateOutput, templateOutputKeys } from './template-output.ts';
import { describeJsonError } from './json-error.ts';
import type { PartialSettings, TemplateSettings } from './settings.ts';

export async function loadConfigFile(file: string): Promise<PartialSettings> {
  let text: string;
  try {
    // Some editors start a UTF-8 file with a byte order mark, which neither parser accepts.
    text = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(`${file}: cannot read the config file (${code})`);
  }
  return parseConfig(text, file);
}

/**
 * Settings from the `text` of `file`: HCL or JSON by its extension, else by its first character.
 * The name is also used in error messages.
 */
export function parseConfig(text: string, file: string): PartialSettings {
  const root = configFormat(file, text) === 'json' ? parseJson(text, file) : parseHcl(text, file);
  const read = new ConfigReader(file);
  const settings = readSettings(read, read.object(root, ''));
  read.finish();
  return settings;
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(describeJsonError(text, error, file));
  }
}

function readSettings(read: ConfigReader, root: ConfigObject): PartialSettings {
  const top = read.known(root, '', [
    'consul', 'template', 'exec', 'wait', 'max_stale', 'block_query_wait', 'log_level', 'once', 'pid_file', 'kill_signal', 'reload_signal',
    'template_error_fatal',
  ]);
  const settings: PartialSettings = {};
  if (top.consul !== undefined) Object.assign(settings, readConsul(read, top.consul));
  if (top.template !== undefined) {
    settings.templates = read.blocks(top.template, 'template').map(({ block, path }) => readTemplate(read, block, path));
  }
  if (top.exec !== undefined) Object.assign(settings, readExec(read, top.exec));
  if (top.wait !== undefined) settings.wait = read.wait(top.wait, 'wait');
  if (top.max_stale !== undefined) settings.maxStaleMs = read.duration(top.max_stale, 'max_stale');
  if (top.block_query_wait !== undefined) settings.blockingWaitMs = read.duration(top.block_query_wait, 'block_query_wait');
  if (top.log_level !== undefined) settings.logLevel = read.logLevel(top.log_level, 'log_level');
  if (top.once !== undefined) settings.once = read.boolean(top.once, 'once');
  if (top.pid_file !== undefined) settings.pidFile = read.nonEmpty(top.pid_file, 'pid_file');
  if (top.kill_signal !== undefined) settings.killSignal = read.signal(top.kill_signal, 'kill_signal');
  if (top.reload_signal !== undefined) settings.reloadSignal = read.signal(top.reload_signal, 'reload_signal');
  if (top.template_error_fatal !== undefined) settings.templateErrorFatal = read.boolean(top.template_error_fatal, 'template_error_fatal');
  return settings;
}

function readConsul(read: ConfigReader, value: unknown): PartialSettings {
  const consul = read.known(read.block(value, 'consul'), 'consul', ['address', 'token', 'ssl', 'retry']);
  const settings: PartialSettings = {};
  let addresses = consul.address === undefined ? undefined : read.addresses(consul.address, 'consul.address');
  if (consul.token !== undefined) {
    // consul-template's own sample config writes `token = ""` for "no token".
    const token = read.string(consul.token, 'consul.token').trim();
    if (token !== '') settings.token = token;
  }
  if (consul.ssl !== undefined) {
    const ssl = read.known(read.block(consul.ssl, 'consul.ssl'), 'consul.ssl', ['enabled', 'verify', 'ca_cert', 'ca_path', 'cert', 'key', 'server_name']);
    if (ssl.verify !== undefined) settings.insecureSkipVerify = !read.boolean(ssl.verify, 'consul.ssl.verify');
    if (ssl.ca_cert !== undefined) settings.caFile = read.nonEmpty(ssl.ca_cert, 'consul.ssl.ca_cert');
    if (ssl.ca_path !== undefined) settings.caPath = read.nonEmpty(ssl.ca_path, 'consul.ssl.ca_path');
    if (ssl.cert !== undefined) settings.clientCert = read.nonEmpty(ssl.cert, 'consul.ssl.cert');
    if (ssl.key !== undefined) settings.clientKey = read.nonEmpty(ssl.key, 'consul.ssl.key');
    if (ssl.server_name !== undefined) settings.tlsServerName = read.nonEmpty(ssl.server_name, 'consul.ssl.server_name');
    // As in consul-template, any SSL setting turns TLS on unless "enabled" says otherwise. drcon
    // takes TLS from the address's scheme, so the addresses of this file become https ones.
    const enabled = ssl.enabled === undefined ? Object.keys(ssl).length > 0 : read.boolean(ssl.enabled, 'consul.ssl.enabled');
    if (enabled) {
      if (addresses === undefined) read.fail('consul.ssl', 'turns TLS on, which needs "consul.address" in the same file');
      addresses = addresses.map((address) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? address : `https://${address}`));
    }
  }
  if (addresses !== undefined) settings.consulAddresses = addresses;
  if (consul.retry !== undefined) {
    // drcon keeps its own backoff (50 ms doubling up to 1 s): only how long to try is taken.
    const retry = read.known(read.block(consul.retry, 'consul.retry'), 'consul.retry', ['enabled', 'attempts']);
    if (retry.attempts !== undefined) settings.retryAttempts = read.wholeNumber(retry.attempts, 'consul.retry.attempts');
    if (retry.enabled !== undefined && !read.boolean(retry.enabled, 'consul.retry.enabled')) settings.retryAttempts = 1;
  }
  return settings;
}

function readTemplate(read: ConfigReader, value: ConfigObject, path: string): TemplateSettings {
  // "check" is drcon's own: a command that must accept the new file before it goes live.
  const block = read.known(value, path, ['source', 'contents', 'destination', 'command', 'command_timeout', 'exec', 'wait', 'check', ...templateOutputKeys]);
  if (block.source === undefined && block.contents === undefined) read.fail(path, 'needs "source" or "contents"');
  if (block.source !== undefined && block.contents !== undefined) read.fail(path, 'gives both "source" and "contents"; give one of them');
  if (block.destination === undefined) read.fail(path, 'needs "destination"');
  const template: TemplateSettings = block.contents === undefined
    ? { source: read.nonEmpty(block.source, `${path}.source`), destination: read.nonEmpty(block.destination, `${path}.destination`) }
    : { source: `${read.file}:${path}.contents`, contents: read.string(block.contents, `${path}.contents`), destination: read.nonEmpty(block.destination, `${path}.destination`) };
  const output = readTemplateOutput(read, block, path);
  if (Object.keys(output).length > 0) template.output = output;
  Object.assign(template, readTemplateCommand(read, block, path));
  if (block.wait !== undefined) template.wait = read.wait(block.wait, `${path}.wait`);
  const check = block.check === undefined ? undefined : read.command(block.check, `${path}.check`);
  if (check !== undefined) template.check = check;
  return template;
}

/** `command` and `command_timeout`, or newer consul-template's form `exec { command, timeout }`. */
function readTemplateCommand(read: ConfigReader, block: ConfigObject, path: string): Pick<TemplateSettings, 'command' | 'commandTimeoutMs'> {
  const commandFrom = (from: ConfigObject, at: string, timeoutKey: string) => {
    const result: Pick<TemplateSettings, 'command' | 'commandTimeoutMs'> = {};
    const command = from.command === undefined ? undefined : read.command(from.command, `${at}.command`);
    if (command !== undefined) result.command = command;
    if (from[timeoutKey] !== undefined) result.commandTimeoutMs = read.duration(from[timeoutKey], `${at}.${timeoutKey}`);
    return result;
  };
  if (block.exec === undefined) return commandFrom(block, path, 'command_timeout');
  if (block.command !== undefined || block.command_timeout !== undefined) read.fail(path, 'gives both "exec" and "command"; give one of them');
  const exec = read.known(read.block(block.exec, `${path}.exec`), `${path}.exec`, ['command', 'timeout']);
  return commandFrom(exec, `${path}.exec`, 'timeout');
}

function readExec(read: ConfigReader, value: unknown): Pick<PartialSettings, 'exec' | 'execKillSignal' | 'execKillTimeoutMs'> {
  const exec = read.known(read.block(value, 'exec'), 'exec', ['command', 'reload_signal', 'kill_signal', 'kill_timeout']);
  if (exec.command === undefined) read.fail('exec', 'needs "command"');
  // Without a reload signal consul-template restarts the child on every change; drcon only
  // signals it, so the signal must be named rather than silently become SIGHUP.
  if (exec.reload_signal === undefined) read.fail('exec', 'needs "reload_signal" (drcon signals the child after a change, it does not restart it)');
  const words = read.words(exec.command, 'exec.command');
  // As in consul-template, a list of one is a shell command line; a longer one runs directly.
  const command = typeof words === 'string' ? words.trim() : words.length === 1 ? words[0]!.trim() : words;
  const program = typeof command === 'string' ? command : (command[0] ?? '');
  if (program.trim() === '') read.fail('exec.command', 'must not be empty');
  const settings: PartialSettings = { exec: { command, reloadSignal: read.signal(exec.reload_signal, 'exec.reload_signal') } };
  if (exec.kill_signal !== undefined) settings.execKillSignal = read.signal(exec.kill_signal, 'exec.kill_signal');
  if (exec.kill_timeout !== undefined) settings.execKillTimeoutMs = read.duration(exec.kill_timeout, 'exec.kill_timeout');
  return settings;
}
