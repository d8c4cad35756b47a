/**
 * Sources as the pipeline sees them: a GitRepository of a cluster's configuration, turned into
 * what the Git engine fetches. Clusters that follow the same URL and ref share one fetch, so a
 * push to a repository a thousand clusters follow is resolved and fetched once.
 */
import { InvalidInputError, NotFoundError, errorMessage } from '#shared/errors/index.ts';
import { credentialsFromSecret, gitRepositorySpec, type FluxGitRepository } from '#shared/config/git-repository.ts';
import { parseSecretValue } from '#shared/config/secret-value.ts';
import type { GitRefSpec, GitRepositorySpec, SecretStore, SourceKey } from '#shared/ports/index.ts';

/** `https://Host/a/b.git/` and `https://host/a/b` are one repository. */
export function normalizeRepoUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.hostname = parsed.hostname.toLowerCase();
    return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '').replace(/\.git$/, '')}`;
  } catch {
    return url;
  }
}

/** The ref a spec follows, as one string in Flux's precedence: `commit:…`, `name:…`, `semver:…`, `tag:…`, `branch:…`. */
export function refKey(ref: GitRefSpec): string {
  if (ref.commit) return `commit:${ref.commit}`;
  if (ref.name) return `name:${ref.name}`;
  if (ref.semver) return `semver:${ref.semver}`;
  if (ref.tag) return `tag:${ref.tag}`;
  return `branch:${ref.branch ?? 'master'}`;
}

/** What identifies one fetch: the repository and the ref it follows. */
export function fetchKey(url: string, ref: GitRefSpec): string {
  return `${normalizeRepoUrl(url)}#${refKey(ref)}`;
}

/** What identifies the fetch of a GitRepository (see {@link fetchKey}). */
export function fetchKeyOf(repository: FluxGitRepository): string {
  return fetchKey(repository.spec.url, repository.spec.ref ?? {});
}

/** The commit id of a Flux revision (`main@sha1:<sha>` → `<sha>`); undefined when it names none. */
export function commitOf(revision: string | undefined): string | undefined {
  const commit = revision?.split(':').pop();
  return commit !== undefined && /^[0-9a-f]{40}$/.test(commit) ? commit : undefined;
}

/** A `SourceKey` as text, for messages and maps. */
export function sourceId(key: SourceKey): string {
  return `${key.cluster}/${key.namespace}/${key.name}`;
}

/**
 * The fetch spec of a GitRepository, its `secretRef` read from the secret store under
 * `<namespace>/<name>` (a JSON object of the Secret's data, as for Receivers and Providers).
 * A missing or malformed secret is an error naming the GitRepository and the secret, never a value.
 */
export async function fetchSpecOf(repository: FluxGitRepository, secrets: SecretStore): Promise<GitRepositorySpec> {
  const secretRef = repository.spec.secretRef?.name;
  if (!secretRef) return gitRepositorySpec(repository);
  const secretName = `${repository.metadata.namespace}/${secretRef}`;
  const where = `GitRepository ${repository.metadata.namespace}/${repository.metadata.name}: secret ${secretName}`;
  let value: string;
  try {
    value = await secrets.getSecret(secretName);
  } catch (error) {
    if (error instanceof NotFoundError) throw new NotFoundError(`${where} not found`, { cause: error });
    throw error;
  }
  const parsed = (() => {
    try {
      return parseSecretValue(value, secretName);
    } catch (error) {
      throw new InvalidInputError(`${where}: ${errorMessage(error)}`);
    }
  })();
  if (parsed.kind !== 'data') throw new InvalidInputError(`${where}: expected a JSON object of the Secret's data (username/password, bearerToken, ca.crt)`);
  credentialsFromSecret(parsed.data, where);
  return gitRepositorySpec(repository, parsed.data);
}
