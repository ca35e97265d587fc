// Everything drcon can be told, from defaults, a config file and flags, merged in that order.
import type { LogFormat, LogLevel } from '../log/logger.ts';
import type { WaitSettings } from './wait.ts';
import type { StatusAddress } from './status-address.ts';
import { defaults } from './defaults.ts';

export type { WaitSettings };

export interface TemplateSettings {
  source: string;
  destination: string;
  /** Shell command run after the file changed (e.g. "nginx -s reload"). */
  command?: string;
  /** Overrides Settings.commandTimeoutMs for this template's check and command. */
  commandTimeoutMs?: number;
  /** Overrides Settings.wait for this template. */
  wait?: WaitSettings;
  /** Shell command that must succeed on the new file before it goes live (e.g. "nginx -t"). */
  check?: string;
}

/** A child process drcon supervises (`-exec`, or a config file's `exec` block). */
export interface ExecSettings {
  /** A shell command line, or a program and its arguments (run directly, so signals reach it). */
  command: string | string[];
  /** Sent to the child after a file changed, e.g. "SIGHUP". */
  reloadSignal: string;
}

export interface Settings {
  /** Consul agents, tried in order ("host:port" or a URL). */
  consulAddresses: string[];
  /** The ACL token (read from -token-file, or CONSUL_HTTP_TOKEN). */
  token?: string;
  caFile?: string;
  /** Skip TLS verification of the agent (only when asked for explicitly). */
  insecureSkipVerify?: boolean;
  templates: TemplateSettings[];
  /** Render once and exit. */
  once: boolean;
  /** Print instead of writing files and running commands. */
  dry: boolean;
  /** Quiescence window for all templates; undefined renders without waiting. */
  wait: WaitSettings | undefined;
  /** Least time between the starts of two renders of a burst. */
  minIntervalMs: number;
  /** Stale reads are accepted while the answering server lags the leader by at most this. */
  maxStaleMs: number;
  commandTimeoutMs: number;
  /** How long Consul may hold a blocking query. */
  blockingWaitMs: number;
  /** Most blocking queries held open at once (see the watcher). */
  maxBlockingQueries: number;
  /** Failed tries in a row of one Consul query after which a `once` run gives up; 0: never. */
  retryAttempts: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** The child to supervise, from a config file; the `-exec` flags override it. */
  exec?: ExecSettings;
  /** Where GET /health and /metrics are served; 'off' disables it; undefined: the command's default. */
  statusAddress?: StatusAddress | 'off';
}

export type PartialSettings = Partial<Settings>;

export const defaultSettings: Readonly<Settings> = Object.freeze({
  consulAddresses: [defaults.consulAddress],
  templates: [],
  once: false,
  dry: false,
  wait: undefined,
  minIntervalMs: defaults.minIntervalMs,
  maxStaleMs: defaults.maxStaleMs,
  commandTimeoutMs: defaults.commandTimeoutMs,
  blockingWaitMs: defaults.blockingWaitMs,
  maxBlockingQueries: defaults.maxBlockingQueries,
  retryAttempts: defaults.retryAttempts,
  logLevel: defaults.logLevel,
  logFormat: defaults.logFormat,
});

/**
 * Defaults, then each partial in turn; a later value wins and an undefined one is no value.
 * Templates add up instead (config-file templates plus `-template` flags), as in consul-template.
 */
export function mergeSettings(...partials: PartialSettings[]): Settings {
  const merged: Settings = { ...defaultSettings, consulAddresses: [...defaultSettings.consulAddresses], templates: [] };
  for (const partial of partials) {
    for (const [key, value] of Object.entries(partial) as [keyof Settings, unknown][]) {
      if (value === undefined) continue;
      if (key === 'templates') merged.templates = [...merged.templates, ...(value as TemplateSettings[])];
      else (merged as unknown as Record<string, unknown>)[key] = value;
    }
  }
  return merged;
}
