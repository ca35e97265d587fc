#!/usr/bin/env node
// drcon's command line: one file per command under cli/, wired here.
import { enableCompileCache } from 'node:module';
import { setFlagsFromString } from 'node:v8';

// V8 grows the young generation (where new objects start) up to 2 × 16 MiB as a program
// allocates; drcon's allocations are short-lived (answers parsed, renders built), and the grown
// space stayed resident. Growth factor 1 keeps it at its first size (2 × 1 MiB). The flag is read
// at each growth, so setting it here works for every way drcon is started (NODE_OPTIONS refuses it).
setFlagsFromString('--semi-space-growth-factor=1');

// Node keeps the compiled code of the modules on disk (in the temporary directory, or
// NODE_COMPILE_CACHE) and the next start skips compiling them. It must be on before they load:
// hence the import below, not at the top.
enableCompileCache?.();
const { runCli } = await import('./cli/cli.ts');

process.exitCode = await runCli(process.argv.slice(2));
