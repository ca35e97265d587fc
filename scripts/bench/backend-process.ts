// Starts backend-server.ts as a child process and learns its port.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { terminateOnExit } from './cleanups.ts';

const serverScript = fileURLToPath(new URL('./backend-server.ts', import.meta.url));

export interface BackendProcess {
  readonly name: string;
  readonly port: number;
  stop(): Promise<void>;
}

export async function startBackendProcess(name: string): Promise<BackendProcess> {
  const child = spawn(process.execPath, [serverScript, name], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  terminateOnExit(child);
  const lines = createInterface({ input: child.stdout });
  const firstLine = await Promise.race([
    once(lines, 'line').then(([line]) => String(line)),
    exited.then(([code]) => { throw new Error(`backend ${name} exited with ${code} before listening`); }),
  ]);
  lines.close();
  child.stdout.resume();
  return {
    name,
    port: Number(firstLine),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
