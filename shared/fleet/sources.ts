/**
 * Which of the fleet's sources a push concerns. A webhook names the pushed repository by its clone
 * URLs; the fleet names it in each GitRepository's `spec.url`, written however its author likes
 * (`.git` or not, a trailing slash, another case, scp-like `git@host:org/repo`). Both are reduced
 * to `host[:port]/path` before comparing. Matching too much only costs a fetch that finds the
 * revision unchanged; matching too little would leave a cluster behind, so the comparison is
 * lenient: case-insensitive, with credentials, `.git` and the ssh port ignored.
 */
import { sourcesOf, type FleetSnapshot, type FleetSource } from './snapshot.ts';

/** `host[:port]/path` of a Git URL, lower-cased; undefined for something that is not a Git URL. */
export function normaliseRepositoryUrl(url: string): string | undefined {
  const trimmed = url.trim();
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/)(.+)$/.exec(trimmed);
  let hostAndPath: string;
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    hostAndPath = `${scp[1]}/${scp[2]}`;
  } else {
    let parsed: URL;
    try {
      parsed = new URL(trimmed);
    } catch {
      return undefined;
    }
    const keepPort = parsed.port !== '' && parsed.protocol !== 'ssh:';
    hostAndPath = `${parsed.hostname}${keepPort ? `:${parsed.port}` : ''}${parsed.pathname}`;
  }
  return hostAndPath
    .replace(/\/+$/, '')
    .replace(/\.git$/i, '')
    .replace(/\/+$/, '')
    .toLowerCase();
}

/** True when two Git URLs name the same repository (see the module comment). */
export function sameRepository(a: string, b: string): boolean {
  const left = normaliseRepositoryUrl(a);
  return left !== undefined && left === normaliseRepositoryUrl(b);
}

/**
 * The sources of the fleet whose GitRepository `spec.url` is one of `urls` (a push's clone URLs).
 * Sources no tree defines (the bootstrap source) have no URL here: the caller matches those
 * against its own bootstrap configuration.
 */
export function sourcesAt(snapshot: FleetSnapshot, urls: readonly string[]): FleetSource[] {
  const wanted = new Set(urls.map(normaliseRepositoryUrl).filter((url): url is string => url !== undefined));
  return sourcesOf(snapshot).filter((source) => {
    const url = source.gitRepository?.spec.url;
    const normal = typeof url === 'string' ? normaliseRepositoryUrl(url) : undefined;
    return normal !== undefined && wanted.has(normal);
  });
}
