// Fixtures for the status and control commands: a temporary local data directory, a captured
// CliIo, and the commands parsed by commander exactly as `tideline` parses them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Command } from 'commander';
import type { CliIo } from '#shared/cli/status-access.ts';
import { systemClock } from '#shared/ports/index.ts';

export async function dataDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tideline-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface CapturedIo extends CliIo {
  out: string[];
  err: string[];
  exitCode: number;
}

export function captureIo(env: Record<string, string | undefined>): CapturedIo {
  const io: CapturedIo = {
    out: [],
    err: [],
    exitCode: 0,
    env,
    clock: systemClock,
    stdout: { write: (text: string) => io.out.push(text) },
    stderr: { write: (text: string) => io.err.push(text) },
    setExitCode: (code: number) => {
      if (code !== 0) io.exitCode = code;
    },
  };
  return io;
}

/** Parses `args` with the given verbs registered on a fresh program wired to `io`; resolves to the exit code. */
export async function runVerbs(registers: ((program: Command, io: CliIo) => void)[], args: string[], io: CapturedIo): Promise<number> {
  const program = new Command('tideline').exitOverride();
  for (const register of registers) register(program, io);
  await program.parseAsync(args, { from: 'user' });
  return io.exitCode;
}
