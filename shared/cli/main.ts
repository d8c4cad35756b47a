#!/usr/bin/env node
/**
 * `tideline`: the command line of Tideline. Each verb lives in its own file under `commands/`
 * and registers itself on the program; this file only assembles them and maps errors to exit codes.
 */
import { Command, CommanderError } from 'commander';
import { TidelineError, errorMessage } from '#shared/errors/index.ts';
import { registerAlert } from './commands/alert.ts';
import { registerApply } from './commands/apply.ts';
import { registerDev } from './commands/dev.ts';
import { registerDiff } from './commands/diff.ts';
import { registerReceivers } from './commands/receivers.ts';
import { registerRender } from './commands/render.ts';

/** Builds the `tideline` program with every verb registered (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('tideline')
    .description('GitOps for Kubernetes fleets: render, diff and reconcile Flux-style fleet repos')
    .showHelpAfterError()
    .exitOverride();
  // One line per verb; keep the list sorted.
  registerAlert(program);
  registerApply(program);
  registerDev(program);
  registerDiff(program);
  registerReceivers(program);
  registerRender(program);
  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    process.stderr.write(`tideline: ${error instanceof TidelineError ? error.message : errorMessage(error)}\n`);
    return 2;
  }
}

if (import.meta.main) {
  process.exitCode = await runCli(process.argv.slice(2));
}
