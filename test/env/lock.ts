// A cross-process lock on the cache, so that test processes started at the same time build a
// binary (or the moto venv) once instead of racing each other. mkdir is atomic; the owner's pid
// lets a later process break the lock of one that died mid-build.
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

function ownerIsAlive(lockDir: string): boolean {
  let owner: string;
  try {
    owner = readFileSync(join(lockDir, 'owner'), 'utf8');
  } catch {
    // The owner file is written right after mkdir; a lock without one for long is stale.
    try {
      return Date.now() - statSync(lockDir).mtimeMs < 10_000;
    } catch {
      return false;
    }
  }
  const pid = Number(owner.trim());
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs `work` while holding the lock directory `lockDir`, waiting for (or breaking a dead) holder. */
export async function withLock<T>(lockDir: string, describe: string, work: () => Promise<T>): Promise<T> {
  let announced = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (!ownerIsAlive(lockDir)) {
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (!announced) {
      process.stderr.write(`testenv: waiting for another process that holds the lock for ${describe}\n`);
      announced = true;
    }
    await sleep(250);
  }
  try {
    writeFileSync(join(lockDir, 'owner'), String(process.pid));
    return await work();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
