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
