// The one place drcon installs process-wide handlers: the signals it handles and its exit hooks.
// Handling a signal replaces Node's default (SIGINT and SIGTERM would exit at once), so whoever
// installs a handler decides when drcon stops; each install returns the function that removes it.

/** Stop drcon: a render run and its commands end cleanly. */
export const stopSignals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
/** Stop a supervised child (Nginx, `-exec`): SIGQUIT is Nginx's graceful shutdown. */
export const childStopSignals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGQUIT'];
/** Render every template again, re-read from disk. */
export const reloadSignal: NodeJS.Signals = 'SIGHUP';

export function onSignals(signals: readonly NodeJS.Signals[], handler: (signal: NodeJS.Signals) => void): () => void {
  for (const signal of signals) process.on(signal, handler);
  return () => {
    for (const signal of signals) process.off(signal, handler);
  };
}

/**
 * Runs `hook` when drcon exits, however it exits short of SIGKILL or an unhandled fatal signal
 * (a normal exit, process.exit(), an uncaught exception). It must be synchronous.
 */
export function onExit(hook: () => void): () => void {
  process.on('exit', hook);
  return () => process.off('exit', hook);
}

/** The signals a run answers: those that stop it, and the one that re-reads its templates. */
export interface RunSignals {
  stop: NodeJS.Signals[];
  reload: NodeJS.Signals;
}

/**
 * SIGINT and SIGTERM stop drcon, and so does its kill signal (-kill-signal); its reload signal
 * (-reload-signal, SIGHUP by default) re-reads the templates. SIGHUP, when another signal reloads,
 * stops drcon too: Node's default for it would end drcon without stopping its commands and children.
 */
export function runSignals(chosen: { killSignal?: NodeJS.Signals; reloadSignal?: NodeJS.Signals }): RunSignals {
  const reload = chosen.reloadSignal ?? reloadSignal;
  const stop = [...stopSignals];
  if (reload !== reloadSignal) stop.push(reloadSignal);
  if (chosen.killSignal !== undefined && !stop.includes(chosen.killSignal)) stop.push(chosen.killSignal);
  return { stop, reload };
}

/** Why these signals cannot work, naming the flag; undefined when they can. */
export function runSignalsProblem(chosen: { killSignal?: NodeJS.Signals; reloadSignal?: NodeJS.Signals }): string | undefined {
  for (const [signal, flag] of [[chosen.killSignal, '-kill-signal'], [chosen.reloadSignal, '-reload-signal']] as const) {
    if (signal === 'SIGKILL' || signal === 'SIGSTOP') return `${flag}: ${signal} cannot be caught`;
  }
  const reload = chosen.reloadSignal ?? reloadSignal;
  if (chosen.killSignal !== undefined && chosen.killSignal === reload) return `-kill-signal: ${reload} is the reload signal; give -reload-signal another one`;
  if (stopSignals.includes(reload)) return `-reload-signal: ${reload} stops drcon`;
  return undefined;
}
