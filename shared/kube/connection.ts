/**
 * Cluster connection: turns a kubeconfig context or a registered {@link ClusterRecord} into an
 * {@link ClusterEndpoint} (URL, TLS material, bearer token source) for the {@link ClusterClient}.
 *
 * Kubeconfigs are parsed with @kubernetes/client-node, but Tideline enforces its own rules on top:
 * `exec` and `auth-provider` users would run arbitrary programs inside our functions, so they are
 * refused unless the operator names the command in an allow-list; TLS verification stays on unless
 * `insecure-skip-tls-verify` is explicitly allowed.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { InvalidInputError, UnauthorizedError } from '#shared/errors/index.ts';
import type { ClusterRecord, Clock } from '#shared/ports/index.ts';
import { systemClock } from '#shared/ports/index.ts';
import { fetchEksClusterAccess, type EksClusterAccess } from '#shared/adapters/aws/eks-cluster.ts';
import { makeEksToken, resolveAwsCredentials } from '#shared/adapters/aws/eks-token.ts';
import { loadKubeconfig } from './kubeconfig.ts';

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
  /** Commands an `exec` user may run (compared with the command as written in the kubeconfig). */
  allowExecCommands?: readonly string[];
  /** Accept `insecure-skip-tls-verify: true` clusters. */
  allowInsecure?: boolean;
  /** Clock used to cache expiring tokens. */
  clock?: Clock;
  /** STS endpoint for EKS IAM tokens' role assumption (default: the regional AWS endpoint). */
  stsEndpoint?: string;
  /** EKS API endpoint for looking up a cluster's endpoint and CA (default: the regional AWS endpoint). */
  eksEndpoint?: string;
}

/**
 * Builds an endpoint from a kubeconfig document (YAML text) and an optional context name
 * (the current context when absent). Throws InvalidInputError for a missing context, a user that
 * would run a command not on the allow-list, or an insecure cluster not explicitly allowed.
 * File references in the text are read as written: a kubeconfig read from files has them made
 * absolute first (`loadKubeconfig`), as kubectl resolves them against each file's directory.
 */
export async function endpointFromKubeconfig(kubeconfigText: string, context: string | undefined, options: ConnectionOptions = {}, source = 'kubeconfig'): Promise<ClusterEndpoint> {
  const readRelative = (file: string): Promise<string> => readFile(resolve(file), 'utf8');
  const kc = new KubeConfig();
  try {
    kc.loadFromString(kubeconfigText);
  } catch (error) {
    throw new InvalidInputError(`not a valid kubeconfig: ${(error as Error).message}`, { source: { file: source }, cause: error });
  }
  const contextName = context ?? kc.getCurrentContext();
  const ctx = kc.getContextObject(contextName);
  if (!ctx) throw new InvalidInputError(`context "${contextName}" not found (have: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`, { source: { file: source } });
  const cluster = kc.getCluster(ctx.cluster);
  if (!cluster) throw new InvalidInputError(`context "${contextName}" names cluster "${ctx.cluster}", which is not defined`, { source: { file: source } });
  const user = ctx.user ? kc.getUser(ctx.user) : null;
  if (!cluster.server.startsWith('https://')) {
    throw new InvalidInputError(`cluster "${cluster.name}" server ${cluster.server} is not https; Tideline only talks TLS to API servers`, { source: { file: source } });
  }
  if (cluster.skipTLSVerify && !options.allowInsecure) {
    throw new InvalidInputError(`cluster "${cluster.name}" sets insecure-skip-tls-verify; refused unless insecure connections are explicitly allowed`, { source: { file: source } });
  }
  const endpoint: ClusterEndpoint = { name: contextName, server: cluster.server.replace(/\/+$/, '') };
  if (cluster.skipTLSVerify) endpoint.insecureSkipTlsVerify = true;
  if (cluster.caData) endpoint.ca = Buffer.from(cluster.caData, 'base64').toString('utf8');
  else if (cluster.caFile) endpoint.ca = await readRelative(cluster.caFile);
  if (user) {
    if (user.authProvider) {
      throw new InvalidInputError(`user "${user.name}" uses an auth-provider (${String(user.authProvider.name)}); refused: use a token, a client certificate or an allowed exec command`, { source: { file: source } });
    }
    if (user.exec) {
      const command = String(user.exec.command ?? '');
      if (!options.allowExecCommands?.includes(command)) {
        throw new InvalidInputError(`user "${user.name}" runs exec command "${command}"; refused unless the operator allows that command`, { source: { file: source } });
      }
      endpoint.token = execTokenSource(user.exec as ExecConfig, options.clock ?? systemClock);
    }
    if (user.certData) endpoint.clientCert = Buffer.from(user.certData, 'base64').toString('utf8');
    else if (user.certFile) endpoint.clientCert = await readRelative(user.certFile);
    if (user.keyData) endpoint.clientKey = Buffer.from(user.keyData, 'base64').toString('utf8');
    else if (user.keyFile) endpoint.clientKey = await readRelative(user.keyFile);
    if (user.token) endpoint.token = user.token;
    else {
      // client-node does not read kubectl's `tokenFile` key; take it from the document itself.
      const raw = yaml.load(kubeconfigText) as { users?: { name?: string; user?: { tokenFile?: unknown } }[] } | undefined;
      const tokenFile = raw?.users?.find((u) => u.name === user.name)?.user?.tokenFile;
      if (typeof tokenFile === 'string' && tokenFile) endpoint.token = (await readRelative(tokenFile)).trim();
    }
    if (user.username && user.password) endpoint.basicAuth = { username: user.username, password: user.password };
  }
  return endpoint;
}

/**
 * Reads a kubeconfig file — or merges several, as kubectl merges a `KUBECONFIG` list (see
 * `kubeconfig.ts`) — and builds the endpoint of `context` (see {@link endpointFromKubeconfig}).
 */
export async function endpointFromKubeconfigFile(paths: string | readonly string[], context: string | undefined, options: ConnectionOptions = {}): Promise<ClusterEndpoint> {
  const { text, source } = await loadKubeconfig(typeof paths === 'string' ? [paths] : paths);
  // File references are absolute in the loaded text, so no base directory is needed.
  return endpointFromKubeconfig(text, context, options, source);
}

/**
 * Builds an endpoint for a registered cluster: its kubeconfig, or for EKS the endpoint and CA with
 * an IAM token (refreshed before it expires). An EKS record that leaves out the endpoint or the CA
 * gets them from EKS `DescribeCluster` (with the record's role when it names one), looked up once
 * per process; an unknown cluster is a NotFoundError naming it.
 */
export async function endpointFromClusterRecord(record: ClusterRecord, options: ConnectionOptions = {}): Promise<ClusterEndpoint> {
  const access = record.access;
  if (access.type === 'kubeconfig') {
    const endpoint = await endpointFromKubeconfig(access.kubeconfig, access.context, options, `cluster ${record.name}`);
    return { ...endpoint, name: record.name };
  }
  const clock = options.clock ?? systemClock;
  const clusterName = access.clusterName.includes(':cluster/') ? access.clusterName.slice(access.clusterName.lastIndexOf('/') + 1) : access.clusterName;
  let server = access.endpoint;
  let caData = access.caData;
  if (!server || !caData) {
    const described = await describeEksCluster(record.name, { clusterName, region: access.region, roleArn: access.roleArn }, options);
    server ??= described.endpoint;
    caData ??= described.caData;
  }
  let cached: { token: string; expiresAt: number } | undefined;
  const token = async (): Promise<string> => {
    // IAM tokens are valid 15 minutes; renew after 10 so a long apply never sends a stale one.
    if (cached && cached.expiresAt > clock.now()) return cached.token;
    const credentials = await resolveAwsCredentials(access.region, access.roleArn, options.stsEndpoint);
    const value = await makeEksToken({ clusterName, region: access.region, credentials, now: new Date(clock.now()) });
    cached = { token: value, expiresAt: clock.now() + 10 * 60_000 };
    return value;
  };
  const endpoint: ClusterEndpoint = { name: record.name, server: server.replace(/\/+$/, ''), token };
  if (caData) endpoint.ca = Buffer.from(caData, 'base64').toString('utf8');
  return endpoint;
}

/**
 * Endpoints and CAs of EKS clusters already looked up by this process. A cluster's endpoint and CA
 * live as long as the cluster, and a warm function connects to the same clusters again and again;
 * a failed lookup is not kept, so the next connection asks again.
 */
const eksClusterCache = new Map<string, Promise<EksClusterAccess>>();

/** Looks up (once per process) the API endpoint and CA of an EKS cluster with `DescribeCluster`. */
function describeEksCluster(
  recordName: string,
  cluster: { clusterName: string; region: string; roleArn?: string | undefined },
  options: ConnectionOptions,
): Promise<EksClusterAccess> {
  // The role picks the account, so two accounts' clusters of the same name stay apart.
  const key = JSON.stringify([options.eksEndpoint ?? '', cluster.region, cluster.roleArn ?? '', cluster.clusterName]);
  let lookup = eksClusterCache.get(key);
  if (!lookup) {
    lookup = fetchEksClusterAccess(recordName, cluster, options);
    eksClusterCache.set(key, lookup);
    lookup.catch(() => eksClusterCache.delete(key));
  }
  return lookup;
}

interface ExecConfig {
  command: string;
  args?: string[] | null;
  env?: { name: string; value: string }[] | null;
}

/** Token source for an allowed `exec` user: runs the command, caches the ExecCredential until expiry. */
function execTokenSource(exec: ExecConfig, clock: Clock): () => Promise<string> {
  let cached: { token: string; expiresAt: number } | undefined;
  return async () => {
    if (cached && cached.expiresAt > clock.now()) return cached.token;
    const env = { ...process.env };
    for (const entry of exec.env ?? []) env[entry.name] = entry.value;
    let stdout: string;
    try {
      ({ stdout } = await promisify(execFile)(exec.command, exec.args ?? [], { env, timeout: 30_000, maxBuffer: 1 << 20 }));
    } catch (error) {
      throw new UnauthorizedError(`exec credential command "${exec.command}" failed: ${(error as Error).message.split('\n')[0]}`, { cause: error });
    }
    const credential = JSON.parse(stdout) as { status?: { token?: string; expirationTimestamp?: string } };
    const value = credential.status?.token;
    if (!value) throw new UnauthorizedError(`exec credential command "${exec.command}" returned no token`);
    const expiry = credential.status?.expirationTimestamp ? Date.parse(credential.status.expirationTimestamp) - 60_000 : clock.now() + 5 * 60_000;
    cached = { token: value, expiresAt: expiry };
    return value;
  };
}
