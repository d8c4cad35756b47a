/**
 * The Git source engine: the {@link GitSource} port over isomorphic-git.
 *
 * - `resolve()` is an ls-remote: one ref listing (protocol v2 `ls-refs` with a prefix, so a
 *   poll of a big repository transfers a few lines), no object fetched.
 * - `checkout()` fetches exactly the wanted commit, shallow, into a per-repository bare cache
 *   (`<cacheDir>/repos/<url hash>.git`); when the cache already holds older revisions it says so
 *   (`have`), so the server sends only what changed. The commit's tree is then written, Flux's
 *   ignore rules applied, into an immutable directory keyed by commit and ignore rules, which a
 *   warm process reuses as is.
 *
 * Every error is typed (TransientError for network faults, 5xx and timeouts; UnauthorizedError
 * for 401/403; NotFoundError for a missing repository, ref or commit; InvalidInputError for a bad
 * spec) and names the URL, without credentials, and the ref.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs';
import { linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { addRemote, fetch as fetchRemote, init as initRepository, listServerRefs } from 'isomorphic-git';
import type { HttpClient, ServerRef } from 'isomorphic-git';
import { InvalidInputError, NotFoundError, TidelineError, TransientError, UnauthorizedError } from '#shared/errors/index.ts';
import { silentLogger, systemClock } from '#shared/ports/index.ts';
import type { Clock, GitCheckout, GitCredentials, GitRepositorySpec, GitSource, Logger, ResolvedRevision } from '#shared/ports/index.ts';
import { createHttpClient } from './http.ts';
import { SOURCE_IGNORE_FILE, SourceIgnoreMatcher, readIgnoreRules, sortSourceIgnoreFiles, sourceIgnoreDomain } from './ignore.ts';
import { PackError, PackStore, parseCommit, parseTree } from './pack.ts';
import { HttpStatusError, ProtocolError, RemoteRefusedError, ResponseTooLargeError, fetchPack, lsRefs } from './protocol.ts';
import { describeRef, pickRemoteRef, refPrefix, revisionFor, selectRef, tagVersion } from './refs.ts';
import type { RefSelection, RemoteRef, SelectedRef } from './refs.ts';
import { parseCloneUrl, redactUrl } from './url.ts';

/** Flux's default `spec.timeout`. */
export const DEFAULT_GIT_TIMEOUT_MS = 60_000;

/** Options of {@link IsomorphicGitSource}. */
export interface IsomorphicGitSourceOptions {
  /** Where repositories and trees are cached: `/tmp/tideline-git` in Lambda, `~/.cache/tideline/git` locally. */
  cacheDir: string;
  clock?: Clock;
  logger?: Logger;
  /** Trees kept per repository besides the newest (older ones are removed); default 4. */
  keepTrees?: number;
}

/** Packs a cache may accumulate through incremental fetches before it is rebuilt from one shallow fetch. */
const MAX_PACKS = 40;
/** Commits remembered as `have`s for incremental fetches. */
const MAX_HAVES = 16;
/** Bumped when the way trees are written changes, so old cached trees are not reused. */
const TREE_FORMAT = 'v1';

/**
 * One fetch of a commit into a repository cache, as the protocol v2 path hands it on to the v1
 * path when the server speaks only v1.
 */
interface FetchRequest {
  http: HttpClient;
  target: Target;
  /** Secret values (tokens, passwords) that no error may contain. */
  secrets: readonly string[];
  /** The bare repository the packs are stored in. */
  gitdir: string;
  wanted: ResolvedRevision & { selected: SelectedRef };
}

interface Target {
  /** URL without credentials: contacted, shown, and hashed into the cache key. */
  url: string;
  where: string;
  headers: Record<string, string>;
  caCert?: string;
  timeoutMs: number;
  selection: RefSelection;
}

/** HTTP headers that authenticate as Flux does: a bearer token wins over basic auth. */
export function authHeaders(credentials: GitCredentials | undefined): Record<string, string> {
  if (credentials?.bearerToken) return { authorization: `Bearer ${credentials.bearerToken}` };
  if (credentials?.username !== undefined || credentials?.password !== undefined) {
    const pair = `${credentials.username ?? ''}:${credentials.password ?? ''}`;
    return { authorization: `Basic ${Buffer.from(pair, 'utf8').toString('base64')}` };
  }
  return {};
}

/** Every secret a spec carries, for scrubbing messages that quote a server's answer. */
function secretsOf(credentials: GitCredentials | undefined, url: { username?: string; password?: string }): string[] {
  return [credentials?.password, credentials?.bearerToken, url.password].filter((s): s is string => typeof s === 'string' && s.length >= 3);
}

function scrub(text: string, secrets: readonly string[]): string {
  let out = redactUrl(text);
  for (const secret of secrets) out = out.replaceAll(secret, '***');
  return out;
}

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);
const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
]);

/** Maps a failure of a Git operation to Tideline's typed errors, with the URL and ref in front. */
function gitError(error: unknown, target: Target, secrets: readonly string[], operation: string): TidelineError {
  if (error instanceof TidelineError) return error;
  const prefix = `${target.where}: ${operation}`;
  const err = error as { name?: string; code?: string; message?: string; data?: { statusCode?: number; statusMessage?: string }; cause?: unknown };
  const message = scrub(err.message ?? String(error), secrets);
  if (err.name === 'AbortError' || err.name === 'TimeoutError' || err.code === 'ABORT_ERR') {
    return new TransientError(`${prefix} timed out after ${target.timeoutMs / 1000}s (spec.timeout)`);
  }
  const status = error instanceof HttpStatusError ? error.statusCode : err.code === 'HttpError' ? err.data?.statusCode : undefined;
  if (status !== undefined) {
    if (status === 401 || status === 403) {
      return new UnauthorizedError(
        `${prefix} was refused (HTTP ${status}): check the credentials in the GitRepository's secretRef${target.headers['authorization'] ? '' : ' (none were given)'}`,
      );
    }
    if (status === 404) return new NotFoundError(`${prefix}: repository not found (HTTP 404)`);
    if (status === 429 || status >= 500) {
      return new TransientError(
        `${prefix} failed: the server answered HTTP ${status}`,
        error instanceof HttpStatusError && error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {},
      );
    }
    return new InvalidInputError(`${prefix} failed: the server answered HTTP ${status}`);
  }
  if (err.code !== undefined && TLS_CODES.has(err.code)) {
    return new InvalidInputError(
      `${prefix} failed: the server's TLS certificate is not trusted (${err.code}); put the CA that signed it in the secretRef as ca.crt`,
    );
  }
  if ((err.code !== undefined && TRANSIENT_CODES.has(err.code)) || err.name === 'SocketError') {
    return new TransientError(`${prefix} failed: ${err.code ?? message}`);
  }
  if (err.code === 'SmartHttpError' || error instanceof ProtocolError) {
    return new InvalidInputError(`${prefix} failed: the server does not speak Git smart HTTP at this URL (${message.slice(0, 200)})`);
  }
  if (error instanceof RemoteRefusedError) return new InvalidInputError(`${prefix} was refused by the server: ${message.slice(0, 300)}`);
  return new TransientError(`${prefix} failed: ${message.slice(0, 300)}`, { cause: error });
}

/**
 * A 4xx other than 401/403/404 to a direct protocol-v2 POST: a host that wants the capability
 * round trip first, or speaks v1 only. isomorphic-git's discovery is tried instead.
 */
function isRefusedRequest(error: unknown): boolean {
  return error instanceof HttpStatusError && error.statusCode >= 400 && error.statusCode < 500 && ![401, 403, 404, 429].includes(error.statusCode);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function readLines(path: string): Promise<string[]> {
  try {
    return (await readFile(path, 'utf8')).split('\n').filter((line) => line !== '');
  } catch {
    return [];
  }
}

interface TreeFile {
  path: string;
  oid: string;
  mode: string;
}

/** The GitSource port over isomorphic-git, with an on-disk cache of repositories and trees. */
export class IsomorphicGitSource implements GitSource {
  readonly #cacheDir: string;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #keepTrees: number;
  /** Per-repository queue: one fetch or materialisation of a cache at a time in this process. */
  readonly #locks = new Map<string, Promise<unknown>>();
  /** URLs whose server answered a protocol-v2 fetch with something else: v1 from then on. */
  readonly #v1Only = new Set<string>();
  /** Object stores of the cached repositories, kept while the process is warm. */
  readonly #stores = new Map<string, PackStore>();

  constructor(options: IsomorphicGitSourceOptions) {
    this.#cacheDir = options.cacheDir;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    this.#keepTrees = options.keepTrees ?? 4;
  }

  /** Where the spec's ref points now, from one ref listing (no object fetched). */
  async resolve(spec: GitRepositorySpec): Promise<ResolvedRevision> {
    const { target, secrets } = this.#target(spec);
    const started = this.#clock.now();
    const http = createHttpClient({ ...(target.caCert ? { caCert: target.caCert } : {}), signal: AbortSignal.timeout(target.timeoutMs) });
    const { revision, commit, ref } = await this.#resolveWith(http, target, secrets);
    this.#logger.debug('git ref resolved', { url: target.url, ref: describeRef(spec.ref), revision, ms: this.#clock.now() - started });
    return { revision, commit, ...(ref ? { ref } : {}) };
  }

  /**
   * The tree at the spec's ref, or at `commit`, fetched shallowly into the cache (only the
   * missing objects when the cache holds older revisions) and written with Flux's ignore rules.
   */
  async checkout(spec: GitRepositorySpec, commit?: string): Promise<GitCheckout> {
    const { target, secrets } = this.#target(spec);
    const started = this.#clock.now();
    const http = createHttpClient({ ...(target.caCert ? { caCert: target.caCert } : {}), signal: AbortSignal.timeout(target.timeoutMs) });
    const wanted = await this.#wantedRevision(http, target, secrets, commit);
    const key = createHash('sha256').update(target.url).digest('hex').slice(0, 24);
    const result = await this.#locked(key, async () => {
      try {
        return await this.#fetchAndWrite(http, target, secrets, key, wanted, spec.ignore);
      } catch (error) {
        // File-system faults (a full /tmp, a removed cache) are worth a retry; typed errors pass as they are.
        throw gitError(error, target, secrets, 'checking out');
      }
    });
    this.#logger.info('git checkout', {
      url: target.url,
      ref: describeRef(spec.ref),
      revision: wanted.revision,
      fetched: result.fetched,
      reusedTree: result.reused,
      filesWritten: result.written,
      filesLinked: result.linked,
      ...(result.skipped.length > 0 ? { skippedSymlinksOrSubmodules: result.skipped.slice(0, 10) } : {}),
      fetchMs: result.fetchMs,
      treeMs: result.treeMs,
      ms: this.#clock.now() - started,
    });
    return {
      revision: wanted.revision,
      commit: wanted.commit,
      ...(wanted.ref ? { ref: wanted.ref } : {}),
      dir: result.dir,
      commitTime: result.commitTime,
    };
  }

  /** Fetches the wanted commit unless the cache holds it, then writes (or reuses) its tree. */
  async #fetchAndWrite(
    http: HttpClient,
    target: Target,
    secrets: readonly string[],
    key: string,
    wanted: ResolvedRevision & { selected: SelectedRef },
    specIgnore: string | undefined,
  ) {
    const gitdir = join(this.#cacheDir, 'repos', `${key}.git`);
    let fetched = false;
    const fetchStarted = this.#clock.now();
    if (!this.#hasCommit(gitdir, wanted.commit)) {
      await this.#fetch({ http, target, secrets, gitdir, wanted });
      fetched = true;
    }
    const treeStarted = this.#clock.now();
    const { dir, written, linked, skipped, reused } = await this.#materialise(gitdir, key, wanted.commit, specIgnore, target);
    const treeMs = this.#clock.now() - treeStarted;
    const fetchMs = treeStarted - fetchStarted;
    const commitTime = parseCommit(this.#store(gitdir).read(wanted.commit)?.data ?? Buffer.alloc(0)).committerTimeMs;
    // The objects were needed for this tree only; a warm process keeps pack indexes, not contents.
    this.#store(gitdir).release();
    return { dir, written, linked, skipped, reused, fetched, fetchMs, treeMs, commitTime };
  }

  #target(spec: GitRepositorySpec): { target: Target; secrets: string[] } {
    const parsed = parseCloneUrl(spec.url);
    const where = `git repository ${parsed.url} (${describeRef(spec.ref)})`;
    let selection: RefSelection;
    try {
      selection = selectRef(spec.ref);
    } catch (error) {
      throw error instanceof InvalidInputError ? new InvalidInputError(`${where}: ${error.message}`) : error;
    }
    const fromUrl: GitCredentials = { ...(parsed.username ? { username: parsed.username } : {}), ...(parsed.password ? { password: parsed.password } : {}) };
    const credentials = spec.credentials?.username || spec.credentials?.password || spec.credentials?.bearerToken ? spec.credentials : fromUrl;
    const timeoutMs = spec.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS;
    if (!(timeoutMs > 0)) throw new InvalidInputError(`${where}: timeout must be positive`);
    return {
      target: {
        url: parsed.url,
        where,
        headers: authHeaders(credentials),
        ...(spec.credentials?.caCert ? { caCert: spec.credentials.caCert } : {}),
        timeoutMs,
        selection,
      },
      secrets: secretsOf(spec.credentials, parsed),
    };
  }

  async #listRefs(http: HttpClient, target: Target, secrets: readonly string[], prefix: string | undefined): Promise<RemoteRef[]> {
    if (!this.#v1Only.has(target.url)) {
      try {
        return await lsRefs(http, target.url, target.headers, prefix, AbortSignal.timeout(target.timeoutMs));
      } catch (error) {
        if (!(error instanceof ProtocolError || error instanceof RemoteRefusedError || isRefusedRequest(error)))
          throw gitError(error, target, secrets, 'listing refs');
        // Not a protocol-v2 server: isomorphic-git's discovery speaks v1 (and v2 after a capability round trip).
        this.#v1Only.add(target.url);
      }
    }
    let refs: ServerRef[];
    try {
      refs = await listServerRefs({ http, url: target.url, headers: target.headers, protocolVersion: 2, ...(prefix ? { prefix } : {}), peelTags: true });
    } catch (error) {
      throw gitError(error, target, secrets, 'listing refs');
    }
    return refs.map((r) => ({ ref: r.ref, oid: r.oid, ...(r.peeled ? { peeled: r.peeled } : {}) }));
  }

  async #resolveWith(http: HttpClient, target: Target, secrets: readonly string[]): Promise<ResolvedRevision & { selected: SelectedRef }> {
    const { selection } = target;
    let selected: SelectedRef;
    if (selection.kind === 'commit' && selection.branch === undefined) {
      // A pinned commit never moves: nothing to ask the server (the fetch finds out whether it exists).
      selected = { ref: '', commit: selection.commit };
    } else {
      const refs = await this.#listRefs(http, target, secrets, refPrefix(selection));
      selected = pickRemoteRef(selection, refs, target.where);
    }
    const ref = selection.kind === 'name' ? selection.name : selected.ref;
    return { revision: revisionFor(selection, selected), commit: selected.commit, ...(ref ? { ref } : {}), selected };
  }

  /** The revision to check out: the ref's head, or `commit` named as the spec's ref names it. */
  async #wantedRevision(
    http: HttpClient,
    target: Target,
    secrets: readonly string[],
    commit: string | undefined,
  ): Promise<ResolvedRevision & { selected: SelectedRef }> {
    if (commit === undefined) return this.#resolveWith(http, target, secrets);
    const oid = commit.toLowerCase();
    if (!/^[0-9a-f]{40}$/.test(oid)) throw new InvalidInputError(`${target.where}: commit ${JSON.stringify(commit)} is not a full SHA-1 commit id`);
    const { selection } = target;
    let ref: string;
    switch (selection.kind) {
      case 'commit':
        ref = selection.branch ? `refs/heads/${selection.branch}` : '';
        break;
      case 'branch':
        ref = `refs/heads/${selection.branch}`;
        break;
      case 'tag':
        ref = `refs/tags/${selection.tag}`;
        break;
      case 'name':
        ref = selection.name;
        break;
      case 'semver': {
        // The revision is named after the tag; find the matching tag that points at this commit.
        const refs = await this.#listRefs(http, target, secrets, 'refs/tags/');
        const tagged = refs.filter((r) => (r.peeled ?? r.oid) === oid && tagVersion(r.ref.slice('refs/tags/'.length)) !== null);
        const best = tagged.length > 0 ? pickRemoteRef(selection, tagged, target.where) : undefined;
        ref = best?.ref ?? '';
        break;
      }
    }
    const selected = { ref, commit: oid };
    return { revision: revisionFor(selection, selected), commit: oid, ...(selection.kind === 'name' ? { ref: selection.name } : ref ? { ref } : {}), selected };
  }

  async #locked<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(key) ?? Promise.resolve();
    const run = previous.then(work, work);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.#locks.set(key, settled);
    try {
      return await run;
    } finally {
      if (this.#locks.get(key) === settled) this.#locks.delete(key);
    }
  }

  #store(gitdir: string): PackStore {
    let store = this.#stores.get(gitdir);
    if (store === undefined) {
      store = new PackStore(gitdir);
      this.#stores.set(gitdir, store);
    }
    return store;
  }

  #hasCommit(gitdir: string, oid: string): boolean {
    try {
      return this.#store(gitdir).read(oid)?.type === 'commit';
    } catch {
      return false;
    }
  }

  async #fetch(request: FetchRequest): Promise<void> {
    const { http, target, secrets, gitdir, wanted } = request;
    const packDir = join(gitdir, 'objects', 'pack');
    if (await exists(packDir)) {
      const packs = (await readdir(packDir)).filter((f) => f.endsWith('.idx'));
      // Each incremental fetch adds a pack; rather than repack in JavaScript, start over from one.
      if (packs.length >= MAX_PACKS) {
        await rm(gitdir, { recursive: true, force: true });
        this.#stores.delete(gitdir);
      }
    }
    if (!(await exists(join(gitdir, 'objects')))) {
      await mkdir(dirname(gitdir), { recursive: true });
      await initRepository({ fs: nodeFs, gitdir, bare: true, defaultBranch: 'main' });
      await mkdir(packDir, { recursive: true });
    }
    const havesFile = join(gitdir, 'tideline-haves');
    const shallowFile = join(gitdir, 'shallow');
    const haves: string[] = [];
    for (const oid of await readLines(havesFile)) if (this.#hasCommit(gitdir, oid)) haves.push(oid);
    const shallows = await readLines(shallowFile);

    if (!this.#v1Only.has(target.url)) {
      try {
        const fullPackFile = join(gitdir, 'tideline-shallow-pack-bytes');
        let response;
        if (haves.length > 0) {
          // Incremental: bounded by twice the last shallow fetch, since a want that does not
          // descend from the haves (a force-push, an older commit) brings its whole history.
          const bound = Math.max(1 << 20, 2 * Number((await readLines(fullPackFile))[0] ?? 0));
          try {
            response = await fetchPack(
              http,
              target.url,
              target.headers,
              { want: wanted.commit, haves, shallows, deepen: false },
              AbortSignal.timeout(target.timeoutMs),
              bound,
            );
          } catch (error) {
            if (!(error instanceof ResponseTooLargeError)) throw error;
            this.#logger.debug('git incremental fetch cut off, fetching shallowly', { url: target.url, bound });
          }
        }
        if (response === undefined) {
          response = await fetchPack(
            http,
            target.url,
            target.headers,
            { want: wanted.commit, haves: [], shallows, deepen: true },
            AbortSignal.timeout(target.timeoutMs),
          );
          await writeFile(fullPackFile, `${response.pack.length}\n`);
        }
        await this.#storePack(gitdir, response.pack);
        const shallow = new Set(shallows);
        for (const oid of response.shallow) shallow.add(oid);
        for (const oid of response.unshallow) shallow.delete(oid);
        await writeFile(shallowFile, [...shallow].map((oid) => `${oid}\n`).join(''));
        await writeFile(
          havesFile,
          [wanted.commit, ...haves.filter((h) => h !== wanted.commit)]
            .slice(0, MAX_HAVES)
            .map((oid) => `${oid}\n`)
            .join(''),
        );
        return;
      } catch (error) {
        if (error instanceof RemoteRefusedError && /not our ref|unadvertised object|no such object/i.test(error.message)) {
          throw new NotFoundError(`${target.where}: commit ${wanted.commit} is not in the repository`);
        }
        if (!(error instanceof ProtocolError || error instanceof RemoteRefusedError || isRefusedRequest(error)))
          throw gitError(error, target, secrets, 'fetching');
        // A server that does not speak protocol v2: fetch the ref the v1 way, below.
        this.#v1Only.add(target.url);
        this.#logger.debug('git server speaks protocol v1 only', { url: target.url });
      }
    }
    await this.#fetchV1(request);
  }

  /** Protocol v1 can only fetch advertised refs: the ref's head, which must be the wanted commit. */
  async #fetchV1(request: FetchRequest): Promise<void> {
    const { http, target, secrets, gitdir, wanted } = request;
    const ref = wanted.selected.ref;
    if (!ref)
      throw new InvalidInputError(
        `${target.where}: the server speaks Git protocol v1 only, which cannot fetch a commit by its id; follow a branch or tag instead`,
      );
    try {
      // isomorphic-git records fetched refs through the remote's refspec, so the cache needs one.
      await addRemote({ fs: nodeFs, gitdir, remote: 'origin', url: target.url, force: true });
      await fetchRemote({
        fs: nodeFs,
        http,
        gitdir,
        remote: 'origin',
        url: target.url,
        ref: ref.endsWith('^{}') ? ref.slice(0, -3) : ref,
        singleBranch: true,
        depth: 1,
        tags: false,
        headers: target.headers,
      });
    } catch (error) {
      throw gitError(error, target, secrets, 'fetching');
    } finally {
      this.#store(gitdir).refresh();
    }
    if (!this.#hasCommit(gitdir, wanted.commit)) {
      throw new NotFoundError(
        `${target.where}: commit ${wanted.commit} is no longer the head of ${ref}, and the server (Git protocol v1 only) cannot fetch it by id`,
      );
    }
  }

  /** Indexes a received pack outside `objects/pack`, then moves it in: readers never see half a pack. */
  async #storePack(gitdir: string, pack: Buffer): Promise<void> {
    if (pack.length < 32) return;
    const name = `pack-${Buffer.from(pack.subarray(pack.length - 20)).toString('hex')}`;
    const incoming = join(gitdir, 'incoming');
    await mkdir(incoming, { recursive: true });
    const store = this.#store(gitdir);
    store.ingest(pack, incoming, name);
    await rename(join(incoming, `${name}.pack`), join(gitdir, 'objects', 'pack', `${name}.pack`));
    await rename(join(incoming, `${name}.idx`), join(gitdir, 'objects', 'pack', `${name}.idx`));
    store.refresh();
  }

  #listTree(store: PackStore, treeOid: string, prefix: string, files: TreeFile[], skipped: string[]): void {
    const tree = store.read(treeOid);
    if (tree?.type !== 'tree') throw new PackError(`tree ${treeOid} is missing from the cache`);
    for (const entry of parseTree(tree.data)) {
      const path = prefix + entry.name;
      if (entry.mode === '040000') this.#listTree(store, entry.oid, `${path}/`, files, skipped);
      else if (entry.mode === '100644' || entry.mode === '100755') files.push({ path, oid: entry.oid, mode: entry.mode });
      // Flux's artifact holds regular files only: symlinks and submodules are left out.
      else skipped.push(path);
    }
  }

  async #materialise(gitdir: string, key: string, commit: string, specIgnore: string | undefined, target: Target) {
    const store = this.#store(gitdir);
    const ignoreHash = createHash('sha256')
      .update(`${TREE_FORMAT}\0${specIgnore ?? '\u0000none'}`)
      .digest('hex')
      .slice(0, 12);
    const treesDir = join(this.#cacheDir, 'trees', key);
    const dir = join(treesDir, `${commit}-${ignoreHash}`);
    if (await exists(dir)) {
      const now = new Date(this.#clock.now());
      await utimes(dir, now, now).catch(() => undefined);
      return { dir, written: 0, linked: 0, skipped: [] as string[], reused: true };
    }
    let files: TreeFile[] = [];
    const skipped: string[] = [];
    try {
      this.#listTree(store, parseCommit(store.read(commit)?.data ?? Buffer.alloc(0)).tree, '', files, skipped);
    } catch (error) {
      throw new TransientError(`${target.where}: the cached objects of commit ${commit} are incomplete: ${(error as Error).message}`, { cause: error });
    }
    const ignoreFiles = sortSourceIgnoreFiles(
      files.filter((f) => f.path === SOURCE_IGNORE_FILE || f.path.endsWith(`/${SOURCE_IGNORE_FILE}`)).map((f) => f.path),
    );
    const rules = [];
    for (const path of ignoreFiles) {
      const oid = files.find((f) => f.path === path)?.oid as string;
      const blob = store.read(oid);
      rules.push(...readIgnoreRules(blob?.data.toString('utf8') ?? '', sourceIgnoreDomain(path)));
    }
    const matcher = new SourceIgnoreMatcher(rules, specIgnore);
    files = files.filter((f) => !matcher.excludes(f.path));

    const staging = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
    const dirs = new Set<string>();
    for (const file of files) {
      const slash = file.path.lastIndexOf('/');
      if (slash > 0) dirs.add(file.path.slice(0, slash));
    }
    await mkdir(staging, { recursive: true });
    for (const sub of [...dirs].sort()) mkdirSync(join(staging, sub), { recursive: true });
    // Files unchanged since the previous tree of this repository are hard links to it (trees are
    // immutable): an incremental checkout writes only what changed.
    const previous = await this.#previousTree(store, treesDir, ignoreHash, commit);
    let linked = 0;
    for (const file of files) {
      const destination = join(staging, file.path);
      if (previous !== undefined && previous.files.get(file.path) === `${file.mode} ${file.oid}`) {
        try {
          linkSync(join(previous.dir, file.path), destination);
          linked++;
          continue;
        } catch {
          // Left out of the previous tree (ignore rules) or removed: write it.
        }
      }
      const blob = store.read(file.oid);
      if (blob?.type !== 'blob') throw new TransientError(`${target.where}: blob ${file.oid} (${file.path}) is missing from the cache`);
      // Synchronous writes: thousands of small files go faster without a thread-pool round trip each.
      writeFileSync(destination, blob.data, { mode: file.mode === '100755' ? 0o755 : 0o644 });
    }
    try {
      await rename(staging, dir);
    } catch (error) {
      // Another process wrote the same tree first: the content is the same, keep theirs.
      await rm(staging, { recursive: true, force: true });
      if (!(await exists(dir))) throw error;
    }
    await this.#pruneTrees(treesDir, dir);
    return { dir, written: files.length - linked, linked, skipped, reused: false };
  }

  /** The most recently used tree of this repository with the same ignore rules, and its files' modes and ids. */
  async #previousTree(
    store: PackStore,
    treesDir: string,
    ignoreHash: string,
    commit: string,
  ): Promise<{ dir: string; files: Map<string, string> } | undefined> {
    let newest: { name: string; mtime: number } | undefined;
    for (const name of await readdir(treesDir).catch(() => [] as string[])) {
      if (!name.endsWith(`-${ignoreHash}`) || name.startsWith(commit)) continue;
      const mtime = (await stat(join(treesDir, name)).catch(() => undefined))?.mtimeMs;
      if (mtime !== undefined && (newest === undefined || mtime > newest.mtime)) newest = { name, mtime };
    }
    if (newest === undefined) return undefined;
    const previousCommit = newest.name.slice(0, newest.name.indexOf('-'));
    try {
      const files: TreeFile[] = [];
      this.#listTree(store, parseCommit(store.read(previousCommit)?.data ?? Buffer.alloc(0)).tree, '', files, []);
      return { dir: join(treesDir, newest.name), files: new Map(files.map((f) => [f.path, `${f.mode} ${f.oid}`])) };
    } catch {
      return undefined;
    }
  }

  /** Removes all but the most recently used trees of a repository. */
  async #pruneTrees(treesDir: string, keep: string): Promise<void> {
    const entries = await readdir(treesDir);
    const dated = await Promise.all(
      entries.map(async (name) => {
        const path = join(treesDir, name);
        return { path, mtime: (await stat(path).catch(() => undefined))?.mtimeMs ?? 0, staging: name.includes('.tmp-') };
      }),
    );
    const trees = dated.filter((d) => !d.staging && d.path !== keep).sort((a, b) => b.mtime - a.mtime);
    for (const old of trees.slice(this.#keepTrees)) await rm(old.path, { recursive: true, force: true });
    // A staging directory older than the longest checkout was left by a process that died.
    const abandonedBefore = this.#clock.now() - 3_600_000;
    for (const staging of dated.filter((d) => d.staging && d.mtime < abandonedBefore)) await rm(staging.path, { recursive: true, force: true });
  }
}
