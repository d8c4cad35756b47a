#!/usr/bin/env node
/**
 * `tideline`: the command line of Tideline. Each verb lives in its own file under `commands/`
 * and registers itself on the program; this file only assembles them and maps errors to exit codes.
 */
import { Command, CommanderError } from 'commander';
import { TidelineError, errorMessage } from '#shared/errors/index.ts';

type Register = (program: Command) => void;

/**
 * The verbs, each loaded only when it is used: a verb pulls in its engine (the renderer, the
 * Kubernetes client, the AWS SDK …), and `tideline render` should not pay to load the others.
 * Keep the list sorted.
 */
const VERBS: Record<string, () => Promise<Register>> = {
  alert: async () => (await import('./commands/alert.ts')).registerAlert,
  apply: async () => (await import('./commands/apply.ts')).registerApply,
  delete: async () => (await import('./commands/delete.ts')).registerDelete,
  demo: async () => (await import('./commands/demo.ts')).registerDemo,
  dev: async () => (await import('./commands/dev.ts')).registerDev,
  diff: async () => (await import('./commands/diff.ts')).registerDiff,
  drift: async () => (await import('./commands/drift.ts')).registerDrift,
  get: async () => (await import('./commands/get.ts')).registerGet,
  receivers: async () => (await import('./commands/receivers.ts')).registerReceivers,
  reconcile: async () => (await import('./commands/control.ts')).registerReconcile,
  render: async () => (await import('./commands/render.ts')).registerRender,
  resume: async () => (await import('./commands/control.ts')).registerResume,
  suspend: async () => (await import('./commands/control.ts')).registerSuspend,
};

/**
 * Builds the `tideline` program. With `verb` naming a known verb only that one is registered;
 * otherwise (help, an unknown verb) every verb is, so help and suggestions list them all.
 */
export async function buildProgram(verb?: string): Promise<Command> {
  const program = new Command('tideline')
    .description('GitOps for Kubernetes fleets: render, diff and reconcile Flux-style fleet repos')
    .showHelpAfterError()
    .exitOverride();
  const names = verb !== undefined && Object.hasOwn(VERBS, verb) ? [verb] : Object.keys(VERBS);
  const registers = await Promise.all(names.map((name) => VERBS[name]!()));
  for (const register of registers) register(program);
  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const program = await buildProgram(argv[0]);
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
