/**
 * Where local mode keeps its state: one directory per user, so `tideline dev` and the status and
 * control commands run in another terminal find the same files without being told.
 *
 * Layout: `status.json` (the file status store), `artifacts/` (the filesystem artifact store),
 * `git-cache/` (fetched repositories) and `dev.json` (written by a running `tideline dev`: the
 * control endpoint's URL, its bearer token and the process id).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The local data directory: `$TIDELINE_DATA_DIR`, else `${XDG_STATE_HOME:-~/.local/state}/tideline`
 * (state, not config or cache: it is what local mode has done, and worth keeping across runs).
 */
export function localDataDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env['TIDELINE_DATA_DIR']) return env['TIDELINE_DATA_DIR'];
  const state = env['XDG_STATE_HOME'] || join(env['HOME'] || homedir(), '.local', 'state');
  return join(state, 'tideline');
}

/** Paths of the files and folders inside a local data directory. */
export interface LocalDataPaths {
  dir: string;
  statusFile: string;
  artifactsDir: string;
  gitCacheDir: string;
  /** `{ "url": "http://127.0.0.1:<port>", "token": "<random>", "pid": <n> }` of the running local mode. */
  devFile: string;
}

/** The paths of the local data directory for `env` (see {@link localDataDir}). */
export function localDataPaths(env: Readonly<Record<string, string | undefined>> = process.env): LocalDataPaths {
  const dir = localDataDir(env);
  return {
    dir,
    statusFile: join(dir, 'status.json'),
    artifactsDir: join(dir, 'artifacts'),
    gitCacheDir: join(dir, 'git-cache'),
    devFile: join(dir, 'dev.json'),
  };
}
