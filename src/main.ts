#!/usr/bin/env node
// drcon's command line: one file per command under cli/, wired here.
import { enableCompileCache } from 'node:module';

// Node keeps the compiled code of the modules on disk (in the temporary directory, or
// NODE_COMPILE_CACHE) and the next start skips compiling them. It must be on before they load:
// hence the import below, not at the top.
enableCompileCache?.();
const { runCli } = await import('./cli/cli.ts');

process.exitCode = await runCli(process.argv.slice(2));
