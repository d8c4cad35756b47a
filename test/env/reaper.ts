// Last line of defence against orphaned test-environment processes.
// The parent writes "+<pgid>" / "-<pgid>" lines (and "d<directory>" for scratch directories) on our
// stdin; when stdin closes — the parent exited, crashed or was SIGKILLed — every process group still
// listed is terminated and the directories are removed. Runs detached, in its own process group, so
// terminal signals aimed at the parent do not reach it first.
import { rmSync } from 'node:fs';

const groups = new Set<number>();
const directories = new Set<string>();
let buffered = '';

process.on('SIGINT', () => undefined);
process.on('SIGHUP', () => undefined);
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  buffered += chunk;
  let newline = buffered.indexOf('\n');
  while (newline >= 0) {
    const line = buffered.slice(0, newline).trim();
    buffered = buffered.slice(newline + 1);
    if (line.startsWith('d/')) directories.add(line.slice(1));
    const pgid = Number(line.slice(1));
    if (Number.isInteger(pgid) && pgid > 1) {
      if (line.startsWith('+')) groups.add(pgid);
      else if (line.startsWith('-')) groups.delete(pgid);
    }
    newline = buffered.indexOf('\n');
  }
});
process.stdin.on('end', () => {
  const signalAll = (signal: NodeJS.Signals): void => {
    for (const pgid of groups) {
      try {
        process.kill(-pgid, signal);
      } catch {
        groups.delete(pgid); // already gone
      }
    }
  };
  const removeDirectories = (): void => {
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  };
  signalAll('SIGTERM');
  if (groups.size === 0) {
    removeDirectories();
    process.exit(0);
  }
  setTimeout(() => {
    signalAll('SIGKILL');
    removeDirectories();
    process.exit(0);
  }, 1500);
});
