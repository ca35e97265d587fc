#!/usr/bin/env node
// drcon's command line: one file per command under cli/, wired here.
import { runCli } from './cli/cli.ts';

process.exitCode = await runCli(process.argv.slice(2));
