// A signal as users write it ("SIGHUP", "hup", "QUIT"), as Node.js names it; undefined when the
// system has no such signal.
import { constants } from 'node:os';

export function signalName(text: string): NodeJS.Signals | undefined {
  const upper = text.trim().toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return name in constants.signals ? (name as NodeJS.Signals) : undefined;
}
