// Turns flags, environment and config files into one typed Settings value. Every malformed
// value becomes a UsageError naming the flag (exit 2); later sources win: files in order, then flags.
import { readFile } from 'node:fs/promises';
import { parseDuration } from '../config/duration.ts';
import { parseWait } from '../config/wait.ts';
import { parseTemplateSpec } from '../config/template-spec.ts';
import { loadConfigFile } from '../config/config-file.ts';
import { mergeSettings, type Settings, type PartialSettings } from '../config/settings.ts';
import type { LogFormat, LogLevel } from '../log/logger.ts';
import { parseConsulAddress } from '../config/consul-address.ts';
import { UsageError } from './usage-error.ts';
import { parseStatusAddress } from '../config/status-address.ts';

export interface CommonArgs {
  consulAddr?: string[];
  tokenFile?: string;
  caFile?: string;
  insecureSkipVerify?: boolean;
  maxStale?: string;
  maxBlockingQueries?: string;
  consulRetryAttempts?: string;
  consulWait?: string;
  minInterval?: string;
  wait?: string;
  commandTimeout?: string;
  logLevel?: string;
  logFormat?: string;
  template?: string[];
  config?: string[];
  once?: boolean;
  dry?: boolean;
  statusAddr?: string;
}

export async function resolveSettings(args: CommonArgs, env: NodeJS.ProcessEnv = process.env): Promise<Settings> {
  try {
    const files: PartialSettings[] = [];
    for (const file of args.config ?? []) files.push(await loadConfigFile(file));
    const settings = mergeSettings(fromEnvironment(env), ...files, await fromFlags(args));
    // Read now, so that a wrong path is a usage error like any other, not a failure at the first request.
    if (settings.caFile !== undefined) await readCaFile(settings.caFile);
    return settings;
  } catch (error) {
    throw error instanceof UsageError ? error : new UsageError((error as Error).message);
  }
}

function fromEnvironment(env: NodeJS.ProcessEnv): PartialSettings {
  const addresses = env.CONSUL_HTTP_ADDR?.split(',').map((a) => a.trim()).filter(Boolean);
  for (const address of addresses ?? []) {
    try {
      parseConsulAddress(address);
    } catch (error) {
      throw new UsageError(`CONSUL_HTTP_ADDR: ${(error as Error).message}`);
    }
  }
  return {
    consulAddresses: addresses?.length ? addresses : undefined,
    token: env.CONSUL_HTTP_TOKEN || undefined,
    caFile: env.CONSUL_CACERT || undefined,
    statusAddress: env.STATUS_ADDR ? parseStatusAddress(env.STATUS_ADDR, 'STATUS_ADDR') : undefined,
  };
}

async function fromFlags(args: CommonArgs): Promise<PartialSettings> {
  const duration = (value: string | undefined, flag: string) => (value === undefined ? undefined : parseDuration(value, flag));
  for (const address of args.consulAddr ?? []) {
    try {
      parseConsulAddress(address);
    } catch (error) {
      throw new UsageError(`-consul-addr: ${(error as Error).message}`);
    }
  }
  return {
    consulAddresses: args.consulAddr?.length ? args.consulAddr : undefined,
    token: args.tokenFile ? await readToken(args.tokenFile) : undefined,
    caFile: args.caFile,
    insecureSkipVerify: args.insecureSkipVerify,
    maxStaleMs: duration(args.maxStale, '-max-stale'),
    blockingWaitMs: duration(args.consulWait, '-consul-wait'),
    maxBlockingQueries: args.maxBlockingQueries === undefined ? undefined : wholeNumber(args.maxBlockingQueries, '-max-blocking-queries', 1),
    retryAttempts: args.consulRetryAttempts === undefined ? undefined : wholeNumber(args.consulRetryAttempts, '-consul-retry-attempts', 0),
    minIntervalMs: duration(args.minInterval, '-min-interval'),
    commandTimeoutMs: duration(args.commandTimeout, '-command-timeout'),
    wait: args.wait === undefined ? undefined : parseWait(args.wait, '-wait'),
    logLevel: args.logLevel as LogLevel | undefined,
    logFormat: args.logFormat as LogFormat | undefined,
    templates: args.template?.length ? args.template.map((spec) => parseTemplateSpec(spec)) : undefined,
    once: args.once || undefined,
    dry: args.dry || undefined,
    statusAddress: args.statusAddr === undefined ? undefined : parseStatusAddress(args.statusAddr, '-status-addr'),
  };
}

function wholeNumber(value: string, flag: string, least: number): number {
  const number = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(number) || number < least) throw new UsageError(`${flag}: expected a whole number ≥ ${least}, got ${JSON.stringify(value)}`);
  return number;
}

async function readCaFile(file: string): Promise<void> {
  try {
    await readFile(file);
  } catch (error) {
    throw new UsageError(`-ca-file: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

async function readToken(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    throw new UsageError(`-token-file: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
