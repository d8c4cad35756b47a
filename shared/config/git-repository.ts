/**
 * Flux `GitRepository` (source.toolkit.fluxcd.io/v1, also v1beta2) parsing, and the mapping to
 * the Git source engine's spec.
 *
 * A fleet's GitRepositories are read as Flux writes them. Fields Tideline does not implement are
 * refused by name with the reason, never ignored: silently skipping `verify` would deploy unsigned
 * commits, skipping `include` would render without the included files. SSH URLs are refused with
 * what to use instead, because isomorphic-git speaks Git over HTTP(S) only.
 */
import * as z from '#shared/zod.ts';
import { InvalidInputError, NotFoundError } from '#shared/errors/index.ts';
import { DEFAULT_GIT_TIMEOUT_MS } from '#shared/git/source.ts';
import { parseCloneUrl } from '#shared/git/url.ts';
import type { GitCredentials, GitRefSpec, GitRepositorySpec } from '#shared/ports/index.ts';
import { fluxObjectSchema, nameOf, parseWithSchema } from './flux-object.ts';
import { DurationSchema, durationToMs } from './duration.ts';

export { describeRef } from '#shared/git/refs.ts';

export const GIT_REPOSITORY_API_VERSIONS = ['source.toolkit.fluxcd.io/v1', 'source.toolkit.fluxcd.io/v1beta2'] as const;

/**
 * Flux fields Tideline knows but does not implement, refused when set to anything but their
 * default (`recurseSubmodules: false` or `include: []` change nothing and pass).
 */
const UNSUPPORTED_SPEC_FIELDS: Record<string, string> = {
  include: 'including other GitRepositories into the artifact is not supported yet; reference the other repository from its own Kustomization',
  recurseSubmodules: 'Git submodules are not supported yet; submodule entries are left out of the tree',
  verify: 'commit and tag signature verification is not supported yet',
  proxySecretRef: 'fetching through an HTTP proxy is not supported yet',
  sparseCheckout: 'sparse checkout is not supported yet; the whole tree is fetched (use spec.ignore to leave files out)',
  serviceAccountName: 'workload-identity authentication (provider azure/aws/github) is not supported; use a token in spec.secretRef',
  accessFrom: 'cross-namespace access control (v1beta2 accessFrom) is not supported',
};

/** `spec.provider` values Flux knows; only `generic` (credentials from secretRef) is implemented. */
const UNSUPPORTED_PROVIDERS: Record<string, string> = {
  azure: 'Azure workload identity is not supported; use a personal access token in spec.secretRef',
  aws: 'AWS CodeCommit IAM authentication is not supported; use HTTPS Git credentials in spec.secretRef',
  github: 'GitHub App authentication is not supported; use a token in spec.secretRef (username and password, the token as password)',
};

/** Flux's `spec.timeout` pattern: no hours. */
const TimeoutSchema = z.string().check(z.regex(/^([0-9]+(\.[0-9]+)?(ms|s|m))+$/, 'a duration such as 60s or 2m'));

export const GitRepositoryRefSchema = z.strictObject({
  branch: z.optional(z.string().check(z.minLength(1))),
  tag: z.optional(z.string().check(z.minLength(1))),
  semver: z.optional(z.string().check(z.minLength(1))),
  name: z.optional(z.string().check(z.minLength(1))),
  commit: z.optional(z.string().check(z.minLength(1))),
});

export const GitRepositorySpecSchema = z.strictObject({
  url: z.string().check(z.minLength(1)),
  secretRef: z.optional(z.strictObject({ name: z.string().check(z.minLength(1)) })),
  provider: z.optional(z.literal('generic')),
  interval: DurationSchema,
  timeout: z.optional(TimeoutSchema),
  ref: z.optional(GitRepositoryRefSchema),
  ignore: z.optional(z.string()),
  suspend: z.optional(z.boolean()),
  // Accepted at their defaults only (see UNSUPPORTED_SPEC_FIELDS).
  recurseSubmodules: z.optional(z.literal(false)),
  include: z.optional(z.array(z.never())),
  sparseCheckout: z.optional(z.array(z.never())),
  /** v1beta2 only, and without effect since Flux 2.0: accepted and ignored as Flux does. */
  gitImplementation: z.optional(z.enum(['go-git', 'libgit2'])),
});

export const GitRepositorySchema = fluxObjectSchema(GIT_REPOSITORY_API_VERSIONS, 'GitRepository', GitRepositorySpecSchema);

/** A validated Flux GitRepository. */
export type FluxGitRepository = z.infer<typeof GitRepositorySchema>;

function isDefault(value: unknown): boolean {
  return value === undefined || value === null || value === false || (Array.isArray(value) && value.length === 0);
}

/**
 * The bootstrap source `flux-system/flux-system` as `flux bootstrap` creates it: `url` at `ref`,
 * checked every minute, validated like any GitRepository (`file` names it in an error).
 */
export function bootstrapGitRepository(
  url: string,
  ref: { branch: string } | { tag: string },
  file: string,
  options: { timeout?: string } = {},
): FluxGitRepository {
  const metadata = { name: 'flux-system', namespace: 'flux-system' };
  return parseGitRepository(
    { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata, spec: { interval: '1m', url, ref, ...options } },
    file,
  );
}

/**
 * Validates a Flux GitRepository object. `file` names where it came from, for the error message.
 * Throws InvalidInputError naming the unsupported field, provider or URL scheme.
 */
export function parseGitRepository(value: unknown, file = '<inline>'): FluxGitRepository {
  const name = nameOf(value);
  const spec = (value as { spec?: unknown } | null)?.spec;
  if (typeof spec === 'object' && spec !== null) {
    for (const [field, reason] of Object.entries(UNSUPPORTED_SPEC_FIELDS)) {
      if (Object.hasOwn(spec, field) && !isDefault((spec as Record<string, unknown>)[field])) {
        throw new InvalidInputError(`GitRepository ${name}: spec.${field} is not supported: ${reason}`, { source: { file } });
      }
    }
    const provider = (spec as { provider?: unknown }).provider;
    if (typeof provider === 'string' && Object.hasOwn(UNSUPPORTED_PROVIDERS, provider)) {
      throw new InvalidInputError(`GitRepository ${name}: spec.provider ${provider} is not supported: ${UNSUPPORTED_PROVIDERS[provider]}`, {
        source: { file },
      });
    }
    const url = (spec as { url?: unknown }).url;
    if (typeof url === 'string') {
      try {
        parseCloneUrl(url);
      } catch (error) {
        if (error instanceof InvalidInputError) throw new InvalidInputError(`GitRepository ${name}: spec.url: ${error.message}`, { source: { file } });
        throw error;
      }
    }
  }
  return parseWithSchema(GitRepositorySchema, 'GitRepository', value, file);
}

/** `namespace/name` of the Secret a GitRepository's `secretRef` names (the Secret lives in the GitRepository's namespace). */
export function gitRepositorySecretName(repo: FluxGitRepository): string | undefined {
  return repo.spec.secretRef ? `${repo.metadata.namespace}/${repo.spec.secretRef.name}` : undefined;
}

/**
 * The Git source engine's spec for a GitRepository: `spec.ref` as given (Flux's default, branch
 * `master`, applies when absent), the timeout (Flux's 60 s by default), the ignore rules, and the
 * credentials from the data of the Secret `secretRef` names. Throws NotFoundError when the
 * GitRepository names a secret and no data is given, InvalidInputError for bad secret data.
 */
export function gitRepositorySpec(repo: FluxGitRepository, secretData?: Record<string, string>): GitRepositorySpec {
  const { spec, metadata } = repo;
  const ref: GitRefSpec = spec.ref ? { ...spec.ref } : {};
  const out: GitRepositorySpec = {
    url: spec.url,
    ref,
    timeoutMs: spec.timeout === undefined ? DEFAULT_GIT_TIMEOUT_MS : durationToMs(spec.timeout),
    ...(spec.ignore !== undefined ? { ignore: spec.ignore } : {}),
  };
  if (spec.secretRef) {
    const secret = `secret ${metadata.namespace}/${spec.secretRef.name} of GitRepository ${metadata.name} in ns ${metadata.namespace}`;
    if (secretData === undefined) throw new NotFoundError(`${secret} was not found`);
    const credentials = credentialsFromSecret(secretData, secret);
    if (Object.keys(credentials).length > 0) out.credentials = credentials;
  }
  return out;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/**
 * Git credentials from a Secret's data in Flux's formats: `username` and `password` (basic
 * auth), `bearerToken` (which wins over basic auth, as in Flux), `ca.crt` (or the older
 * `caFile`) for HTTPS. `where` names the secret in errors; no value is ever quoted.
 */
export function credentialsFromSecret(data: Record<string, string>, where: string): GitCredentials {
  const get = (key: string): string | undefined => {
    const value = data[key];
    return value === undefined || value === '' ? undefined : value;
  };
  if (get('identity') !== undefined || get('known_hosts') !== undefined) {
    throw new InvalidInputError(
      `${where}: keys identity/known_hosts are SSH credentials, and Tideline fetches over HTTPS only; put a token in username and password (or bearerToken) instead`,
    );
  }
  if (get('tls.crt') !== undefined || get('tls.key') !== undefined) {
    throw new InvalidInputError(`${where}: keys tls.crt/tls.key (mutual TLS client certificates) are not supported yet`);
  }
  const credentials: GitCredentials = {};
  const bearerToken = get('bearerToken');
  if (bearerToken !== undefined) {
    credentials.bearerToken = bearerToken;
  } else {
    const username = get('username');
    const password = get('password');
    if (password !== undefined && username === undefined)
      throw new InvalidInputError(`${where}: key password is set but key username is missing (basic auth needs both)`);
    if (username !== undefined) credentials.username = username;
    if (password !== undefined) credentials.password = password;
  }
  const caKey = get('ca.crt') !== undefined ? 'ca.crt' : get('caFile') !== undefined ? 'caFile' : undefined;
  if (caKey !== undefined) {
    const ca = data[caKey] as string;
    if (!PEM_CERTIFICATE.test(ca)) throw new InvalidInputError(`${where}: key ${caKey} is not a PEM certificate (-----BEGIN CERTIFICATE-----)`);
    credentials.caCert = ca;
  }
  return credentials;
}
