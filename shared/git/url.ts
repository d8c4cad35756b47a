/**
 * Clone URLs: which ones the Git source can use, and how they appear in messages (never with
 * the credentials some users put in them).
 */
import { InvalidInputError } from '#shared/errors/index.ts';

/** A clone URL split into the URL to contact and the userinfo it carried. */
export interface CloneUrl {
  /** The URL without userinfo, query or fragment; no trailing slash. */
  url: string;
  username?: string;
  password?: string;
}

const SSH_HINT =
  'Tideline fetches with isomorphic-git, which speaks Git over HTTP(S) only; use the https:// clone URL of the repository with a token in the secretRef (username and password, the token as password, or bearerToken)';

/**
 * Parses a GitRepository URL. Throws InvalidInputError for `ssh://`, `git@host:path` (scp-like)
 * and every other scheme but `http`/`https`, saying why and what to use instead.
 */
export function parseCloneUrl(raw: string): CloneUrl {
  const shown = redactUrl(raw);
  if (/^ssh:\/\//i.test(raw) || /^[^/:@\s]+@[^/:\s]+:/.test(raw)) throw new InvalidInputError(`URL ${shown} is an SSH URL: ${SSH_HINT}`);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new InvalidInputError(`URL ${shown} is not a valid URL: expected https://host/path`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new InvalidInputError(`URL ${shown} has scheme ${parsed.protocol.slice(0, -1)}: ${SSH_HINT}`);
  const username = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  parsed.username = '';
  parsed.password = '';
  parsed.hash = '';
  parsed.search = '';
  return { url: parsed.toString().replace(/\/+$/, ''), ...(username ? { username } : {}), ...(password ? { password } : {}) };
}

/** `text` with the userinfo of every URL in it removed (`https://user:token@host` → `https://host`). */
export function redactUrl(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1');
}
