// The signals drcon itself answers. SIGINT and SIGTERM stop it, and so does -kill-signal; the
// reload signal (-reload-signal, SIGHUP by default) re-reads the templates. SIGHUP, when another
// signal reloads, stops drcon too: Node's default for it would end drcon without stopping its
// commands and children.
import type { Settings } from '../config/settings.ts';

export interface ProcessSignals {
  stop: NodeJS.Signals[];
  reload: NodeJS.Signals;
}

export function processSignals(settings: Pick<Settings, 'killSignal' | 'reloadSignal'>): ProcessSignals {
  const reload = settings.reloadSignal ?? 'SIGHUP';
  const stop: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  if (reload !== 'SIGHUP') stop.push('SIGHUP');
  if (settings.killSignal !== undefined && !stop.includes(settings.killSignal)) stop.push(settings.killSignal);
  return { stop, reload };
}

/** Why these settings cannot work, naming the setting; undefined when they can. */
export function processSignalsProblem(settings: Pick<Settings, 'killSignal' | 'reloadSignal'>): string | undefined {
  for (const [signal, flag] of [[settings.killSignal, '-kill-signal'], [settings.reloadSignal, '-reload-signal']] as const) {
    if (signal === 'SIGKILL' || signal === 'SIGSTOP') return `${flag}: ${signal} cannot be caught`;
  }
  if (settings.killSignal !== undefined && settings.killSignal === (settings.reloadSignal ?? 'SIGHUP')) {
    return `-kill-signal: ${settings.killSignal} is the reload signal; give -reload-signal another one`;
  }
  if (['SIGINT', 'SIGTERM'].includes(settings.reloadSignal ?? 'SIGHUP')) return `-reload-signal: ${settings.reloadSignal} stops drcon`;
  return undefined;
}
