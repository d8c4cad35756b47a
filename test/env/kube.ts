// A real Kubernetes control plane for tests: etcd + kube-apiserver (+ kube-controller-manager for
// namespace deletion and garbage collection) on loopback ports chosen at run time. Everything a run
// needs — etcd data, certificates, tokens, service-account keys, kubeconfig — lives in one fresh
// directory, so runs never see each other's objects.
import { execFile } from 'node:child_process';
import { generateKeyPair, randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { freePorts } from './ports.ts';
import { startService } from './process.ts';
import type { ServiceProcess } from './process.ts';

const execFileAsync = promisify(execFile);
const generateKeyPairAsync = promisify(generateKeyPair);

/** The context name written into every test kubeconfig. */
export const kubeContextName = 'tideline-test';

/** What a test needs to talk to a test control plane. */
export interface KubeConnection {
  /** `https://127.0.0.1:<port>` */
  server: string;
  /** Path of a kubeconfig file (context `tideline-test`, TLS verified against `caData`). */
  kubeconfigPath: string;
  /** Bearer token of a user in `system:masters`. */
  token: string;
  /** Base64 of the PEM CA that signed the apiserver's serving certificate. */
  caData: string;
}

/** Builds a fresh @kubernetes/client-node KubeConfig for a connection (TLS verification on). */
export function kubeConfigFor(connection: KubeConnection): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: kubeContextName, server: connection.server, caData: connection.caData, skipTLSVerify: false }],
    users: [{ name: kubeContextName, token: connection.token }],
    contexts: [{ name: kubeContextName, cluster: kubeContextName, user: kubeContextName }],
    currentContext: kubeContextName,
  });
  return kubeConfig;
}

export interface KubeBinaries {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager?: string;
}

export interface KubeControlPlane extends KubeConnection {
  /** Starts (or restarts, same ports and data) etcd, the apiserver and, if configured, the controller manager; resolves once `/readyz` is ok. */
  start(): Promise<void>;
  /**
   * Stops every process of this control plane; the data directory stays for a later start().
   * By default the processes are killed outright (like a crashed node); `graceful` sends SIGTERM
   * first and waits for an orderly shutdown.
   */
  stop(options?: { graceful?: boolean }): Promise<void>;
  /**
   * Freezes the apiserver (SIGSTOP): it keeps its port, the kernel still accepts connections,
   * and nothing answers — a hung machine, which only a client's deadline gets past.
   */
  pause(): void;
  /** Lets a paused apiserver run again (SIGCONT). */
  resume(): void;
  /** Directory holding data, certificates and logs. */
  readonly dir: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await execFileAsync('openssl', args, { cwd });
  } catch (error) {
    throw new Error(`testenv: openssl ${args[0]} failed: ${(error as Error).message}`, { cause: error });
  }
}

/** The PEM texts {@link makeServingCertificate} wrote. */
export interface ServingCertificate {
  ca: string;
  cert: string;
  key: string;
}

/**
 * Writes a throwaway CA (`ca.crt`, `ca.key`) and a serving certificate signed by it (`<name>.crt`,
 * `<name>.key`) into `dir`, valid for `altNames` (openssl subjectAltName entries), and returns their PEM texts.
 */
export async function makeServingCertificate(dir: string, name: string, altNames: readonly string[]): Promise<ServingCertificate> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await Promise.all([
    openssl(
      [
        'req',
        '-x509',
        ...ec,
        '-keyout',
        'ca.key',
        '-out',
        'ca.crt',
        '-days',
        '7',
        '-subj',
        '/CN=tideline-test-ca',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
      dir,
    ),
    openssl(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`], dir),
  ]);
  writeFileSync(
    join(dir, `${name}.ext`),
    [`subjectAltName=${altNames.join(',')}`, 'extendedKeyUsage=serverAuth', 'keyUsage=critical,digitalSignature,keyEncipherment', ''].join('\n'),
  );
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '7',
      '-extfile',
      `${name}.ext`,
    ],
    dir,
  );
  return {
    ca: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    cert: readFileSync(join(dir, `${name}.crt`), 'utf8'),
    key: readFileSync(join(dir, `${name}.key`), 'utf8'),
  };
}

/** What the apiserver's serving certificate must name: loopback and the in-cluster service names. */
const APISERVER_ALT_NAMES = ['IP:127.0.0.1', 'DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc'];

async function makeServiceAccountKeys(certDir: string): Promise<void> {
  const { privateKey, publicKey } = await generateKeyPairAsync('ec', {
    namedCurve: 'prime256v1',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  writeFileSync(join(certDir, 'sa.key'), privateKey, { mode: 0o600 });
  writeFileSync(join(certDir, 'sa.pub'), publicKey);
}

/** GET `path` on the apiserver; resolves with the status code, or undefined when it is not reachable. */
function probe(connection: KubeConnection, ca: string, path: string): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const url = new URL(path, connection.server);
    const req = request(url, { ca, headers: { authorization: `Bearer ${connection.token}` }, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

export interface CreateControlPlaneOptions {
  binaries: KubeBinaries;
  /** Fresh directory for this control plane (created if missing). */
  dir: string;
  /** Give up waiting for `/readyz` after this long. */
  readyTimeoutMs?: number;
  /**
   * An etcd data directory to start from (copied, never modified): one in which an apiserver of the
   * same version has already created its bootstrap objects, which saves about 1.5 s of start-up.
   */
  etcdSeedDir?: string;
  /**
   * Run etcd as a production cluster does, syncing every write to disk. Tests leave it off (their
   * data is thrown away and fsync only slows every write down).
   */
  durable?: boolean;
}

/** Prepares certificates, keys, tokens and the kubeconfig of a control plane (not started yet). */
export async function createControlPlane(options: CreateControlPlaneOptions): Promise<KubeControlPlane> {
  const { binaries, dir } = options;
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const certDir = join(dir, 'certs');
  const etcdDir = join(dir, 'etcd');
  const logDir = join(dir, 'logs');
  for (const sub of [certDir, logDir]) mkdirSync(sub, { recursive: true });
  if (options.etcdSeedDir !== undefined) cpSync(options.etcdSeedDir, etcdDir, { recursive: true });

  const [[etcdClientPort, etcdPeerPort, apiPort], token] = await Promise.all([
    freePorts(3) as Promise<[number, number, number]>,
    Promise.resolve(randomBytes(24).toString('hex')),
    makeServingCertificate(certDir, 'apiserver', APISERVER_ALT_NAMES),
    makeServiceAccountKeys(certDir),
  ]);
  const caPem = readFileSync(join(certDir, 'ca.crt'), 'utf8');
  const connection: KubeConnection = {
    server: `https://127.0.0.1:${apiPort}`,
    kubeconfigPath: join(dir, 'kubeconfig'),
    token,
    caData: Buffer.from(caPem).toString('base64'),
  };
  writeFileSync(join(certDir, 'tokens.csv'), `${token},tideline-admin,tideline-admin,"system:masters"\n`, { mode: 0o600 });
  // JSON is valid YAML, and every kubeconfig reader (kubectl, client-node, client-go) accepts it.
  writeFileSync(
    connection.kubeconfigPath,
    `${JSON.stringify(
      {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: kubeContextName, cluster: { server: connection.server, 'certificate-authority-data': connection.caData } }],
        users: [{ name: kubeContextName, user: { token } }],
        contexts: [{ name: kubeContextName, context: { cluster: kubeContextName, user: kubeContextName } }],
        'current-context': kubeContextName,
      },
      null,
      2,
    )}\n`,
    { mode: 0o600 },
  );

  const etcdClientUrl = `http://127.0.0.1:${etcdClientPort}`;
  const etcdPeerUrl = `http://127.0.0.1:${etcdPeerPort}`;
  const etcdArgs = [
    '--name',
    'default',
    '--data-dir',
    etcdDir,
    '--listen-client-urls',
    etcdClientUrl,
    '--advertise-client-urls',
    etcdClientUrl,
    '--listen-peer-urls',
    etcdPeerUrl,
    '--initial-advertise-peer-urls',
    etcdPeerUrl,
    '--initial-cluster',
    `default=${etcdPeerUrl}`,
    // A test cluster's data is thrown away; fsync only slows every write down.
    ...(options.durable === true ? [] : ['--unsafe-no-fsync']),
    '--log-level',
    'warn',
  ];
  const apiserverArgs = [
    `--etcd-servers=${etcdClientUrl}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${apiPort}`,
    `--cert-dir=${certDir}`,
    `--tls-cert-file=${join(certDir, 'apiserver.crt')}`,
    `--tls-private-key-file=${join(certDir, 'apiserver.key')}`,
    `--token-auth-file=${join(certDir, 'tokens.csv')}`,
    '--authorization-mode=RBAC',
    '--disable-admission-plugins=ServiceAccount',
    '--service-cluster-ip-range=10.96.0.0/12',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${join(certDir, 'sa.pub')}`,
    `--service-account-signing-key-file=${join(certDir, 'sa.key')}`,
    '--allow-privileged=true',
    '--profiling=false',
  ];
  const kcmArgs = [
    `--kubeconfig=${connection.kubeconfigPath}`,
    '--controllers=namespace,garbagecollector',
    '--leader-elect=false',
    '--secure-port=0',
    '--profiling=false',
  ];

  // From a seed, the bootstrap roles and priority classes already exist; their post-start hooks
  // only re-check them, and begin with a fixed one-second poll that would double the start time.
  const readyzPath =
    options.etcdSeedDir === undefined
      ? '/readyz'
      : '/readyz?exclude=poststarthook/rbac/bootstrap-roles&exclude=poststarthook/scheduling/bootstrap-system-priority-classes';

  let running: ServiceProcess[] = [];

  const failWith = async (what: string, service: ServiceProcess | undefined): Promise<never> => {
    const detail = service === undefined ? '' : `\n--- last lines of ${service.logFile} ---\n${service.logTail()}`;
    await Promise.all(running.map((proc) => proc.stop(500)));
    running = [];
    throw new Error(`testenv: ${what}${detail}`);
  };

  const waitReady = async (apiserver: ServiceProcess, etcd: ServiceProcess): Promise<void> => {
    const deadline = Date.now() + readyTimeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (etcd.hasExited()) return failWith('etcd exited during start-up', etcd);
      if (apiserver.hasExited()) return failWith('kube-apiserver exited during start-up', apiserver);
      const result = await probe(connection, caPem, readyzPath);
      if (result?.status === 200) return;
      last = result === undefined ? 'not listening yet' : `${result.status} ${result.body.slice(-300)}`;
      await sleep(50);
    }
    return failWith(`kube-apiserver not ready after ${readyTimeoutMs} ms (last /readyz: ${last})`, apiserver);
  };

  return {
    ...connection,
    dir,
    start: async () => {
      if (running.length > 0) return;
      // etcd and the apiserver start together: the apiserver retries its etcd connection, and
      // overlapping their start-up is most of the speed of a warm environment.
      const etcd = startService('etcd', binaries.etcd, etcdArgs, { logFile: join(logDir, 'etcd.log') });
      const apiserver = startService('kube-apiserver', binaries.kubeApiserver, apiserverArgs, { logFile: join(logDir, 'kube-apiserver.log') });
      running = [etcd, apiserver];
      await waitReady(apiserver, etcd);
      if (binaries.kubeControllerManager !== undefined) {
        running.push(
          startService('kube-controller-manager', binaries.kubeControllerManager, kcmArgs, { logFile: join(logDir, 'kube-controller-manager.log') }),
        );
      }
    },
    pause: () => signalApiserver(running[1], 'SIGSTOP'),
    resume: () => signalApiserver(running[1], 'SIGCONT'),
    stop: async (stopOptions) => {
      // A paused apiserver would not see SIGTERM until it runs again.
      signalApiserver(running[1], 'SIGCONT');
      const [etcd, apiserver, ...rest] = running;
      running = [];
      const graceMs = stopOptions?.graceful === true ? 10_000 : 0;
      // Clients of the apiserver first, etcd last, so that etcd's data is complete when it stops.
      await Promise.all(rest.map((proc) => proc.stop(graceMs)));
      await apiserver?.stop(graceMs);
      await etcd?.stop(graceMs);
    },
  };
}

function signalApiserver(apiserver: ServiceProcess | undefined, signal: 'SIGSTOP' | 'SIGCONT'): void {
  if (apiserver === undefined || apiserver.hasExited()) return;
  try {
    process.kill(-apiserver.pid, signal);
  } catch {
    // already gone
  }
}
