/**
 * Cluster connection: turns a kubeconfig context or a registered {@link ClusterRecord} into an
 * {@link ClusterEndpoint} (URL, TLS material, bearer token source) for the {@link ClusterClient}.
 *
 * Kubeconfig entries are read with @kubernetes/client-node's parsers (its `config_types` module
 * only: the `KubeConfig` class would bring its HTTP stack into every function bundle), but Tideline
 * enforces its own rules on top:
 * `exec` and `auth-provider` users would run arbitrary programs inside our functions, so they are
 * refused unless the operator names the command in an allow-list; TLS verification stays on unless
 * `insecure-skip-tls-verify` is explicitly allowed.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, open, realpath, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { newClusters, newContexts, newUsers } from '@kubernetes/client-node/dist/config_types.js';
import yaml from 'js-yaml';
import { InvalidInputError, UnauthorizedError } from '#shared/errors/index.ts';
import type { ClusterRecord, Clock, EksAccess } from '#shared/ports/index.ts';
import { systemClock } from '#shared/ports/index.ts';
import { loadKubeconfig } from './kubeconfig.ts';
import { displayUrl } from './url.ts';

/** Everything needed to open an authenticated HTTPS connection to one API server. */
export interface ClusterEndpoint {
  /** Name used in messages (context or cluster record name). */
  name: string;
  /** API server base URL, e.g. `https://127.0.0.1:6443`. */
  server: string;
  /** PEM CA bundle to verify the server with; the system roots when absent. */
  ca?: string;
  /** Client certificate + key (PEM) for mutual TLS. */
  clientCert?: string;
  clientKey?: string;
  /** Skip server certificate verification (only with `allowInsecure`). */
  insecureSkipTlsVerify?: boolean;
  /** Bearer token (fixed, or produced on demand, e.g. an EKS IAM token that expires). */
  token?: string | (() => Promise<string>);
  /** Basic auth, for kubeconfigs that still use it. */
  basicAuth?: { username: string; password: string };
}

/** Operator choices that relax the default security rules. */
export interface ConnectionOptions {
  /**
   * Commands an `exec` user may run, compared with the command as written in the kubeconfig. A
   * bare name is looked up on the operator's `PATH` (this process's environment, never the
   * kubeconfig's `env`) and that absolute path is run; a name with a slash must be absolute.
   */
  allowExecCommands?: readonly string[];
  /**
   * Directories credential files (`certificate-authority`, `client-certificate`, `client-key`,
   * `tokenFile`) may be read from, symlinks resolved. A kubeconfig read from disk defaults to the
   * directories of its own files; kubeconfig text (and every cluster record) to none.
   */
  credentialFileDirs?: readonly string[];
  /** Accept `insecure-skip-tls-verify: true` clusters. */
  allowInsecure?: boolean;
  /** Clock used to cache expiring tokens. */
  clock?: Clock;
  /**
   * How EKS cluster records are reached (their endpoint and CA when the record leaves them out,
   * and IAM tokens): the AWS adapter in the functions; without it an EKS record is refused.
   */
  eks?: EksAccess;
}

/**
 * Builds an endpoint from a kubeconfig document (YAML text) and an optional context name
 * (the current context when absent). Throws InvalidInputError for a missing context, a user that
 * would run a command not on the allow-list, or an insecure cluster not explicitly allowed.
 * Credential files named in the text are read only from `options.credentialFileDirs` (none by
 * default: text has no directory of its own), by absolute path — a kubeconfig read from files has
 * its references made absolute first (`loadKubeconfig`), as kubectl resolves them against each
 * file's directory. A refused or unreadable file is an InvalidInputError naming the field.
 */
export async function endpointFromKubeconfig(
  kubeconfigText: string,
  context: string | undefined,
  options: ConnectionOptions = {},
  source = 'kubeconfig',
): Promise<ClusterEndpoint> {
  const where = { source: { file: source } };
  const allowedDirs = options.credentialFileDirs ?? [];
  let raw: unknown;
  try {
    raw = yaml.load(kubeconfigText);
  } catch (error) {
    // The parser's message quotes the text, which may hold credentials: only the line is kept.
    const line = (error as { mark?: { line?: number } }).mark?.line;
    throw new InvalidInputError(`not a valid kubeconfig${line === undefined ? '' : ` (syntax error on line ${line + 1})`}`, where);
  }
  const document = (raw ?? {}) as { clusters?: unknown; contexts?: unknown; users?: unknown; 'current-context'?: unknown };
  let entries;
  try {
    entries = { clusters: newClusters(document.clusters), contexts: newContexts(document.contexts), users: newUsers(document.users) };
  } catch (error) {
    // client-node's messages name fields, not values; the cause is left out all the same.
    throw new InvalidInputError(`not a valid kubeconfig: ${(error as Error).message.split('\n')[0]}`, where);
  }
  const contextName = context ?? String(document['current-context'] ?? '');
  // As kubectl: the first entry of a name wins.
  const ctx = entries.contexts.find((c) => c.name === contextName);
  if (!ctx) throw new InvalidInputError(`context "${contextName}" not found (have: ${entries.contexts.map((c) => c.name).join(', ') || 'none'})`, where);
  const cluster = entries.clusters.find((c) => c.name === ctx.cluster);
  if (!cluster) throw new InvalidInputError(`context "${contextName}" names cluster "${ctx.cluster}", which is not defined`, where);
  const user = ctx.user ? entries.users.find((u) => u.name === ctx.user) : undefined;
  if (!cluster.server.startsWith('https://')) {
    throw new InvalidInputError(`cluster "${cluster.name}" server ${displayUrl(cluster.server)} is not https; Tideline only talks TLS to API servers`, where);
  }
  if (!URL.canParse(cluster.server)) throw new InvalidInputError(`cluster "${cluster.name}" server is not a valid URL`, where);
  if (cluster.skipTLSVerify && !options.allowInsecure) {
    throw new InvalidInputError(`cluster "${cluster.name}" sets insecure-skip-tls-verify; refused unless insecure connections are explicitly allowed`, where);
  }
  const readCredential = (field: string, file: string): Promise<string> => readCredentialFile(field, file, allowedDirs, source);
  const endpoint: ClusterEndpoint = { name: contextName, server: cluster.server.replace(/\/+$/, '') };
  if (cluster.skipTLSVerify) endpoint.insecureSkipTlsVerify = true;
  if (cluster.caData) endpoint.ca = Buffer.from(cluster.caData, 'base64').toString('utf8');
  else if (cluster.caFile) endpoint.ca = await readCredential('certificate-authority', cluster.caFile);
  if (user) {
    if (user.authProvider) {
      throw new InvalidInputError(
        `user "${user.name}" uses an auth-provider (${String(user.authProvider.name)}); refused: use a token, a client certificate or an allowed exec command`,
        where,
      );
    }
    if (user.exec) {
      const exec = user.exec as ExecConfig;
      const command = String(exec.command ?? '');
      if (!options.allowExecCommands?.includes(command)) {
        throw new InvalidInputError(`user "${user.name}" runs exec command "${command}"; refused unless the operator allows that command`, where);
      }
      for (const entry of exec.env ?? []) {
        if (UNSAFE_EXEC_ENV.test(String(entry?.name ?? ''))) {
          throw new InvalidInputError(
            `user "${user.name}": exec command "${command}" sets ${String(entry.name)}, which changes what code the command runs; refused`,
            where,
          );
        }
      }
      const path = await resolveExecCommand(command, where);
      endpoint.token = execTokenSource({ ...exec, command: path }, command, options.clock ?? systemClock);
    }
    if (user.certData) endpoint.clientCert = Buffer.from(user.certData, 'base64').toString('utf8');
    else if (user.certFile) endpoint.clientCert = await readCredential('client-certificate', user.certFile);
    if (user.keyData) endpoint.clientKey = Buffer.from(user.keyData, 'base64').toString('utf8');
    else if (user.keyFile) endpoint.clientKey = await readCredential('client-key', user.keyFile);
    if (user.token) endpoint.token = user.token;
    else {
      // client-node does not read kubectl's `tokenFile` key; take it from the document itself.
      const users = (raw as { users?: { name?: string; user?: { tokenFile?: unknown } }[] } | undefined)?.users;
      const tokenFile = Array.isArray(users) ? users.find((u) => u?.name === user.name)?.user?.tokenFile : undefined;
      if (typeof tokenFile === 'string' && tokenFile) endpoint.token = (await readCredential('tokenFile', tokenFile)).trim();
    }
    if (user.username && user.password) endpoint.basicAuth = { username: user.username, password: user.password };
  }
  return endpoint;
}

/**
 * Environment variables an `exec` entry may not set: they make the allowed command load or run
 * other code (dynamic loader, interpreter start-up), so allowing the command would not bound what runs.
 */
const UNSAFE_EXEC_ENV = /^(PATH|LD_.*|DYLD_.*|PYTHON.*|NODE_OPTIONS|NODE_PATH|PERL5.*|PERLLIB|RUBYOPT|RUBYLIB|BASH_ENV|ENV|SHELLOPTS|GCONV_PATH)$/i;

/**
 * The absolute path an allowed exec command runs from: a bare name looked up on this process's
 * `PATH` (the operator's; the kubeconfig's `env` never applies to the lookup), an absolute path as is.
 */
async function resolveExecCommand(command: string, where: { source: { file: string } }): Promise<string> {
  if (command.includes('/')) {
    if (!isAbsolute(command))
      throw new InvalidInputError(`exec command "${command}" is a relative path; name it absolutely or as a bare command on the PATH`, where);
    return command;
  }
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!isAbsolute(dir)) continue; // an empty or relative entry would search the working directory
    const candidate = join(dir, command);
    try {
      await access(candidate, constants.X_OK);
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // not here: try the next directory
    }
  }
  throw new InvalidInputError(`exec command "${command}" is not on the PATH of this process`, where);
}

/**
 * Reads one credential file named by `field`, only when its real path (symlinks resolved) lies
 * inside one of `allowedDirs`, and only when it is a regular file. Every refusal names the field.
 */
async function readCredentialFile(field: string, file: string, allowedDirs: readonly string[], source: string): Promise<string> {
  const where = { source: { file: source } };
  if (allowedDirs.length === 0) {
    throw new InvalidInputError(
      `"${field}" names a local file; this kubeconfig reads no local files (inline the content${field === 'tokenFile' ? ' as "token"' : ` as "${field}-data"`})`,
      where,
    );
  }
  if (!isAbsolute(file)) throw new InvalidInputError(`"${field}" names the relative path ${file}, which has no directory to resolve against`, where);
  // Each directory as given and as its real path, so a symlinked allowed directory still works.
  const roots = [
    ...new Set([
      ...allowedDirs.map((dir) => resolve(dir)),
      ...(await Promise.all(allowedDirs.map(async (dir) => realpath(resolve(dir)).catch(() => resolve(dir))))),
    ]),
  ];
  const inside = (path: string): boolean =>
    roots.some((root) => {
      const rel = relative(root, path);
      return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
    });
  const outside = (): InvalidInputError =>
    new InvalidInputError(
      `"${field}" file ${file} is outside the directories credential files may be read from (${allowedDirs.join(', ')}; the CLI's --credential-dir adds one)`,
      where,
    );
  // A path outside is refused whether or not it exists, so the answer tells nothing about the file.
  let real: string;
  try {
    real = await realpath(file);
  } catch (error) {
    if (!inside(resolve(file))) throw outside();
    const code = (error as NodeJS.ErrnoException).code;
    throw new InvalidInputError(`"${field}" file ${file} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${String(code)})`}`, where);
  }
  if (!inside(real)) throw outside();
  // Opened without blocking and checked as a regular file, so a FIFO or device cannot hang or flood the read.
  const handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK).catch((error: NodeJS.ErrnoException) => {
    throw new InvalidInputError(`"${field}" file ${file} cannot be read (${String(error.code)})`, where);
  });
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new InvalidInputError(`"${field}" file ${file} is not a regular file`, where);
    if (info.size > 1 << 20) throw new InvalidInputError(`"${field}" file ${file} is larger than 1 MiB`, where);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * Reads a kubeconfig file — or merges several, as kubectl merges a `KUBECONFIG` list (see
 * `kubeconfig.ts`) — and builds the endpoint of `context` (see {@link endpointFromKubeconfig}).
 */
export async function endpointFromKubeconfigFile(
  paths: string | readonly string[],
  context: string | undefined,
  options: ConnectionOptions = {},
): Promise<ClusterEndpoint> {
  const { text, source, directories } = await loadKubeconfig(typeof paths === 'string' ? [paths] : paths);
  // File references are absolute in the loaded text; they may point into the files' own directories.
  return endpointFromKubeconfig(text, context, { ...options, credentialFileDirs: options.credentialFileDirs ?? directories }, source);
}

/**
 * Builds an endpoint for a registered cluster: its kubeconfig, or for EKS the endpoint and CA with
 * an IAM token (refreshed before it expires). An EKS record that leaves out the endpoint or the CA
 * gets them from EKS `DescribeCluster` (with the record's role when it names one) through
 * `options.eks`; an unknown cluster is a NotFoundError naming it, and without `options.eks` an EKS
 * record is an InvalidInputError.
 */
export async function endpointFromClusterRecord(record: ClusterRecord, options: ConnectionOptions = {}): Promise<ClusterEndpoint> {
  const access = record.access;
  if (access.type === 'kubeconfig') {
    // A record's text comes from a store, not a directory: it reads no local files, whatever the
    // options say — except a record the local kubeconfig registry made from files on disk.
    const credentialFileDirs = access.localFileDirs ?? [];
    const endpoint = await endpointFromKubeconfig(access.kubeconfig, access.context, { ...options, credentialFileDirs }, `cluster ${record.name}`);
    return { ...endpoint, name: record.name };
  }
  const clock = options.clock ?? systemClock;
  const eks = options.eks;
  if (!eks) throw new InvalidInputError(`cluster ${record.name} is an EKS cluster, and this process has no EKS access configured`);
  const clusterName = access.clusterName.includes(':cluster/') ? access.clusterName.slice(access.clusterName.lastIndexOf('/') + 1) : access.clusterName;
  const cluster = { clusterName, region: access.region, roleArn: access.roleArn };
  let server = access.endpoint;
  let caData = access.caData;
  if (!server || !caData) {
    const described = await eks.describeCluster(record.name, cluster);
    server ??= described.endpoint;
    caData ??= described.caData;
  }
  let cached: { token: string; expiresAt: number } | undefined;
  const token = async (): Promise<string> => {
    // IAM tokens are valid 15 minutes; renew after 10 so a long apply never sends a stale one.
    if (cached && cached.expiresAt > clock.now()) return cached.token;
    const value = await eks.token(cluster, new Date(clock.now()));
    cached = { token: value, expiresAt: clock.now() + 10 * 60_000 };
    return value;
  };
  const endpoint: ClusterEndpoint = { name: record.name, server: server.replace(/\/+$/, ''), token };
  if (caData) endpoint.ca = Buffer.from(caData, 'base64').toString('utf8');
  return endpoint;
}

interface ExecConfig {
  command: string;
  args?: string[] | null;
  env?: { name: string; value: string }[] | null;
}

/**
 * Token source for an allowed `exec` user: runs the command (`exec.command`, already an absolute
 * path), caches the ExecCredential until expiry. Messages name the command as written (`name`).
 */
function execTokenSource(exec: ExecConfig, name: string, clock: Clock): () => Promise<string> {
  let cached: { token: string; expiresAt: number } | undefined;
  return async () => {
    if (cached && cached.expiresAt > clock.now()) return cached.token;
    const env = { ...process.env };
    for (const entry of exec.env ?? []) env[entry.name] = entry.value;
    let stdout: string;
    try {
      ({ stdout } = await promisify(execFile)(exec.command, exec.args ?? [], { env, timeout: 30_000, maxBuffer: 1 << 20 }));
    } catch (error) {
      // Neither the arguments nor the output are quoted: either may carry credentials.
      const failure = error as NodeJS.ErrnoException & { killed?: boolean; code?: unknown };
      const why = failure.killed
        ? 'timed out'
        : typeof failure.code === 'number'
          ? `exited with status ${failure.code}`
          : `could not start (${String(failure.code)})`;
      throw new UnauthorizedError(`exec credential command "${name}" ${why}`);
    }
    let credential: { status?: { token?: string; expirationTimestamp?: string } } | undefined;
    try {
      credential = JSON.parse(stdout) as typeof credential;
    } catch {
      throw new UnauthorizedError(`exec credential command "${name}" did not print an ExecCredential (JSON)`);
    }
    const value = credential?.status?.token;
    if (!value) throw new UnauthorizedError(`exec credential command "${name}" returned no token`);
    const expiry = credential?.status?.expirationTimestamp ? Date.parse(credential.status.expirationTimestamp) - 60_000 : clock.now() + 5 * 60_000;
    cached = { token: value, expiresAt: expiry };
    return value;
  };
}
