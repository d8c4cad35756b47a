/**
 * Links to a commit on the Git host, derived from the repository URL.
 *
 * Fleet repos are cloned over https or ssh from GitHub, GitLab, Bitbucket, Gitea/Forgejo and their
 * self-hosted variants; each shows a commit at a different path. The host kind is guessed from the
 * host name (or given by the caller, e.g. from a Provider's type); an unknown host gets no link
 * rather than a wrong one. Credentials in the clone URL never make it into the link.
 */

export type GitHostKind = 'github' | 'gitlab' | 'bitbucket' | 'bitbucket-server' | 'gitea';

/** A repository URL reduced to its web origin and path (`owner/repo`, `group/sub/repo`). */
export interface RepositoryLocation {
  /** `https://host[:port]` (ssh URLs become https). */
  origin: string;
  /** Repository path without leading slash or `.git`. */
  path: string;
}

/**
 * Parses https, http, `ssh://` and scp-like (`git@host:owner/repo.git`) repository URLs.
 * Returns undefined for anything else. Userinfo is dropped.
 */
export function parseRepositoryUrl(repoUrl: string): RepositoryLocation | undefined {
  // scp-like syntax has no scheme: `[user@]host:path`.
  const scp = repoUrl.includes('://') ? null : /^(?:[^@/\s]+@)?([^:/\s]+):([^\s]+)$/.exec(repoUrl);
  if (scp?.[1] && scp[2]) {
    return { origin: `https://${scp[1]}`, path: trimRepoPath(scp[2]) };
  }
  let url: URL;
  try {
    url = new URL(repoUrl);
  } catch {
    return undefined;
  }
  const path = trimRepoPath(url.pathname);
  if (!path) return undefined;
  if (url.protocol === 'ssh:' || url.protocol === 'git+ssh:') return { origin: `https://${url.hostname}`, path };
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  return { origin: `${url.protocol}//${url.host}`, path };
}

function trimRepoPath(path: string): string {
  return path
    .replace(/^\/+/, '')
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
}

/** Guesses the kind of Git host from its name; undefined when the name says nothing. */
export function guessHostKind(origin: string): GitHostKind | undefined {
  const host = new URL(origin).hostname.toLowerCase();
  if (host === 'github.com' || host.includes('github')) return 'github';
  if (host === 'gitlab.com' || host.includes('gitlab')) return 'gitlab';
  if (host === 'bitbucket.org') return 'bitbucket';
  if (host.includes('bitbucket')) return 'bitbucket-server';
  if (host.includes('gitea') || host.includes('forgejo') || host === 'codeberg.org') return 'gitea';
  return undefined;
}

/** The web URL of `sha` in the repository at `repoUrl`, or undefined when it cannot be built. */
export function commitUrl(repoUrl: string, sha: string, kind?: GitHostKind): string | undefined {
  const location = parseRepositoryUrl(repoUrl);
  if (!location) return undefined;
  const hostKind = kind ?? guessHostKind(location.origin);
  const base = `${location.origin}/${location.path}`;
  switch (hostKind) {
    case 'github':
    case 'gitea':
      return `${base}/commit/${sha}`;
    case 'gitlab':
      return `${base}/-/commit/${sha}`;
    case 'bitbucket':
      return `${base}/commits/${sha}`;
    case 'bitbucket-server': {
      // Bitbucket Server clones from /scm/<project>/<repo>; the web UI lives under /projects.
      const match = /^(?:.*\/)?scm\/([^/]+)\/([^/]+)$/.exec(location.path);
      if (!match?.[1] || !match[2]) return undefined;
      return `${location.origin}/projects/${match[1].toUpperCase()}/repos/${match[2]}/commits/${sha}`;
    }
    default:
      return undefined;
  }
}
