// The demo's command line: `node scripts/demo.ts [--port N] [--once | --no-wait] [--containers]`, or DEMO_EXIT=1
// in the environment for --once (handy through `npm run demo`, which needs `--` before flags).
import { parseArgs } from 'node:util';

export interface DemoOptions {
  /** The port the load balancer should listen on, on 127.0.0.1. */
  port: number;
  /** Run the walkthrough, stop everything and exit, instead of serving until Ctrl-C. */
  exitAfterWalkthrough: boolean;
  /** The walkthrough with real containers: podman, its Docker API and drcon register. */
  containers: boolean;
}

export const defaultPort = 8080;

export const usage = `usage: npm run demo [-- --port N] [-- --once] [-- --containers]
  --port N           port the load balancer listens on, on 127.0.0.1 (default ${defaultPort})
  --once, --no-wait  run the walkthrough, then stop everything and exit (also: DEMO_EXIT=1)
  --containers       the walkthrough with real containers (podman): drcon register follows
                     podman's Docker API and the containers join and leave by themselves`;

/** Parses the flags; throws an Error with a one-line message on a bad one. */
export function parseDemoArgs(argv: string[], env: NodeJS.ProcessEnv): DemoOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      once: { type: 'boolean' },
      'no-wait': { type: 'boolean' },
      containers: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const port = values.port === undefined ? defaultPort : Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`--port: "${values.port}" is not a TCP port (1-65535)`);
  }
  const exitFromEnv = env['DEMO_EXIT'] !== undefined && !['', '0', 'false'].includes(env['DEMO_EXIT']);
  return { port, exitAfterWalkthrough: Boolean(values.once || values['no-wait'] || exitFromEnv), containers: values.containers === true };
}
