#!/usr/bin/env node
/**
 * `tideline`: the command line of Tideline. Each verb lives in its own file under `commands/`
 * and registers itself on the program; this file only assembles them and maps errors to exit codes.
 */
import { Command, CommanderError } from 'commander';
import { TidelineError, errorMessage } from '#shared/errors/index.ts';

type Register = (program: Command) => void;

/**
 * The verbs, sorted. Each is loaded only when it is used: a verb pulls in its engine (the
 * renderer, the Kubernetes client, the AWS SDK …), and `tideline render` should not pay to load
 * the others. Verb `v` is registered by the export `register<V>` of `commands/<v>.ts`, except the
 * status-control verbs, which share `commands/control.ts`.
 */
export const VERBS = ['alert', 'apply', 'delete', 'demo', 'dev', 'diff', 'drift', 'get', 'receivers', 'reconcile', 'render', 'resume', 'suspend'] as const;
type Verb = (typeof VERBS)[number];
const CONTROL_VERBS: ReadonlySet<Verb> = new Set(['reconcile', 'resume', 'suspend']);

function isVerb(name: string): name is Verb {
  return (VERBS as readonly string[]).includes(name);
}

async function loadRegister(verb: Verb): Promise<Register> {
  const file = CONTROL_VERBS.has(verb) ? 'control' : verb;
  const module = (await import(`./commands/${file}.ts`)) as Record<string, Register | undefined>;
  const register = module[`register${verb.charAt(0).toUpperCase()}${verb.slice(1)}`];
  // Only a module that lost its register export gets here; the CLI tests load every verb.
  if (register === undefined) throw new Error(`commands/${file}.ts registers no verb ${verb}`);
  return register;
}

/**
 * Builds the `tideline` program. With `verb` naming a known verb only that one is registered;
 * otherwise (help, an unknown verb) every verb is, so help and suggestions list them all.
 */
export async function buildProgram(verb?: string): Promise<Command> {
  const program = new Command('tideline')
    .description('GitOps for Kubernetes fleets: render, diff and reconcile Flux-style fleet repos')
    .showHelpAfterError()
    .exitOverride();
  const names = verb !== undefined && isVerb(verb) ? [verb] : VERBS;
  const registers = await Promise.all(names.map(loadRegister));
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
