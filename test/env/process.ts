// Starting and stopping the test environment's long-running processes without leaving orphans.
// Each service runs in its own process group (so its children die with it); the groups are killed
// when this process exits, and a detached reaper kills them even if this process is SIGKILLed.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { testenvDir } from './paths.ts';

const liveGroups = new Set<number>();
let reaper: ChildProcess | undefined;
let exitHookInstalled = false;

function tellReaper(line: string): void {
  if (reaper === undefined) {
    reaper = spawn(process.execPath, [join(testenvDir, 'reaper.ts')], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    reaper.unref();
    // The pipe must not keep the event loop alive: a test file that started the environment
    // on its own still has to exit when its tests are done.
    (reaper.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    reaper.stdin?.on('error', () => undefined);
  }
  reaper.stdin?.write(`${line}\n`);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => killAllGroupsNow());
}

/** Kills (SIGKILL) every process group started by this module that is still alive; synchronous, for exit paths. */
export function killAllGroupsNow(): void {
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  liveGroups.clear();
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves when the process has exited (for any reason). */
  readonly exited: Promise<ExitStatus>;
  /** Whether the process has exited. */
  hasExited(): boolean;
  /** Last lines of the process's output, for error messages. */
  logTail(lines?: number): string;
  /** SIGTERM to the whole process group, SIGKILL after `graceMs` (at once when 0); resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartServiceOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** File that receives stdout and stderr (appended). */
  logFile: string;
}

/** Starts a long-running process in its own process group, output to a log file, tracked for cleanup. */
export function startService(name: string, command: string, args: readonly string[], options: StartServiceOptions): ServiceProcess {
  installExitHook();
  const fd = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: options.env ?? process.env,
      cwd: options.cwd,
    });
  } finally {
    closeSync(fd);
  }
  // Handles must not keep a test file alive; the exit hook and the reaper do the cleanup.
  child.unref();
  const pid = child.pid;
  let exitedFlag = false;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => {
      exitedFlag = true;
      if (pid !== undefined) forgetGroup(pid);
      resolve({ code, signal });
    });
    child.once('error', (error) => {
      exitedFlag = true;
      appendNote(options.logFile, `failed to start ${command}: ${error.message}`);
      resolve({ code: 127, signal: null });
    });
  });
  if (pid !== undefined) {
    liveGroups.add(pid);
    tellReaper(`+${pid}`);
  }
  const service: ServiceProcess = {
    name,
    pid: pid ?? -1,
    logFile: options.logFile,
    exited,
    hasExited: () => exitedFlag,
    logTail: (lines = 25) => readTail(options.logFile, lines),
    stop: async (graceMs = 3000) => {
      if (exitedFlag || pid === undefined) return;
      signalGroup(pid, graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
      // A ref'd timer: the child itself is unref'd, and its exit must still be observed.
      const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), Math.max(graceMs, 1));
      const keepAlive = setInterval(() => undefined, 1000);
      await exited;
      clearTimeout(timer);
      clearInterval(keepAlive);
      // Children that ignored SIGTERM (none expected) go with the group.
      signalGroup(pid, 'SIGKILL');
    },
  };
  return service;
}

/**
 * Puts an already started process group (spawned with `detached: true`) under the same exit-time
 * cleanup as the services: killed when this process exits, or by the reaper if it dies.
 */
export function trackProcessGroup(pgid: number): void {
  installExitHook();
  liveGroups.add(pgid);
  tellReaper(`+${pgid}`);
}

/** Asks the reaper to remove `directory` should this process die without cleaning up itself. */
export function removeOnAbnormalExit(directory: string): void {
  tellReaper(`d${directory}`);
}

function forgetGroup(pgid: number): void {
  if (liveGroups.delete(pgid)) {
    // The group may still hold grandchildren; make sure they are gone too.
    signalGroup(pgid, 'SIGKILL');
    tellReaper(`-${pgid}`);
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // group already gone
  }
}

function appendNote(file: string, note: string): void {
  try {
    appendFileSync(file, `${note}\n`);
  } catch {
    // best effort only
  }
}

function readTail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .slice(-lines - 1)
      .join('\n')
      .trimEnd();
  } catch {
    return '';
  }
}
