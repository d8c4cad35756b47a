/**
 * The embedded default of local mode, for a first run with nothing configured: two local
 * clusters (`dev` and `prod`, each an etcd + kube-apiserver + controller manager of the test
 * environment, built from Go modules on first use), the example fleet `examples/fleet/` served
 * by a local Git smart-HTTP server that sends a signed GitHub push webhook after every push (as a
 * Git host does), and a Slack-like sink that prints the alerts it receives.
 */
import { execFile } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { appendFileSync, cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import { bootstrapGitRepository, type FluxGitRepository } from '#shared/config/git-repository.ts';
import { receiverWebhookPath } from '#shared/config/receiver.ts';
import type { Logger } from '#shared/ports/index.ts';

const execFileAsync = promisify(execFile);

/** The example fleet shipped with Tideline. */
export const EXAMPLE_FLEET = fileURLToPath(new URL('../../examples/fleet', import.meta.url));

/** Names the example fleet's Receiver and Provider use for their secrets. */
export const EMBEDDED_RECEIVER = { name: 'fleet-push', namespace: 'flux-system', secret: 'flux-system/fleet-webhook-token' } as const;
export const EMBEDDED_SLACK_SECRET = 'flux-system/slack-webhook';

export interface EmbeddedFleet {
  /** Kubeconfig with the contexts `dev` and `prod`. */
  kubeconfig: string;
  /** The fleet repository as a GitRepository (branch main). */
  bootstrap: FluxGitRepository;
  /** Secret values the example fleet's Receiver and Provider need. */
  secrets: Record<string, string>;
  /** Clone URL of the fleet repository. */
  repoUrl: string;
  /** Bare repository on disk. */
  bareDir: string;
  /** Messages the Slack-like sink received. */
  slackMessages: { text: string; receivedAt: number }[];
  slackUrl: string;
  /** File the Slack-like sink appends every message to (JSON lines), for `tideline demo`. */
  slackLog: string;
  /** Where the pipeline's webhook server listens; set once it runs, so pushes reach it. */
  setWebhookTarget(url: string): void;
  stop(): Promise<void>;
}

const gitEnv: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Tideline Demo',
  GIT_AUTHOR_EMAIL: 'demo@tideline.invalid',
  GIT_COMMITTER_NAME: 'Tideline Demo',
  GIT_COMMITTER_EMAIL: 'demo@tideline.invalid',
  GIT_TERMINAL_PROMPT: '0',
};

/** Runs git in `cwd`; returns its trimmed output. */
export async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', args, { cwd, env: gitEnv, maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

/** Every ref of a bare repository: name → object id. */
async function refsOf(bareDir: string): Promise<Map<string, string>> {
  const out = await git(bareDir, ['for-each-ref', '--format=%(refname) %(objectname)']);
  return new Map(
    out
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' ') as [string, string]),
  );
}

/** A GitHub `push` webhook body for a ref update, as github.com sends it. */
async function pushPayload(bareDir: string, repoUrl: string, ref: string, before: string | undefined, after: string): Promise<string> {
  const commit = ref.startsWith('refs/tags/') ? await git(bareDir, ['rev-parse', `${after}^{commit}`]) : after;
  return JSON.stringify({
    ref,
    before: before ?? '0'.repeat(40),
    after,
    created: before === undefined,
    deleted: false,
    repository: { full_name: 'local/fleet', clone_url: repoUrl, html_url: repoUrl.replace(/\.git$/, '') },
    pusher: { name: 'tideline-demo' },
    head_commit: { id: commit },
    commits: [],
  });
}

async function startSlackSink(logger: Logger, messages: EmbeddedFleet['slackMessages'], logFile: string): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let text: string;
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { text?: string; attachments?: { text?: string }[] };
        text = body.text ?? body.attachments?.map((a) => a.text ?? '').join(' ') ?? '';
      } catch {
        text = Buffer.concat(chunks).toString('utf8').slice(0, 500);
      }
      messages.push({ text, receivedAt: Date.now() });
      appendFileSync(logFile, `${JSON.stringify({ text, receivedAt: Date.now() })}\n`);
      logger.info(`slack ▸ ${text.split('\n')[0] ?? ''}`);
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  return { server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/services/local` };
}

/** Replaces the placeholder URL of every `flux-system` GitRepository with the local one, as `flux bootstrap` writes the real URL. */
function pointAtLocalRepo(dir: string, repoUrl: string): void {
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === 'gotk-sync.yaml')
        writeFileSync(full, readFileSync(full, 'utf8').replace(/url: https:\/\/git\.example\.com\/fleet\.git/g, `url: ${repoUrl}`));
    }
  };
  walk(dir);
}

/** Starts the embedded clusters, Git server and Slack sink under `dataDir/embedded`. */
export async function startEmbeddedFleet(options: { dataDir: string; logger: Logger; fleetDir?: string }): Promise<EmbeddedFleet> {
  const { logger } = options;
  const root = path.join(options.dataDir, 'embedded');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  // The test environment's builders and process supervision (the binaries are cached after the first run).
  const [{ ensureBinaries }, { ensureEtcdSeed }, { createControlPlane }, { startGitServer }] = await Promise.all([
    import('#test/env/build.ts'),
    import('#test/env/etcd-seed.ts'),
    import('#test/env/kube.ts'),
    import('#test/env/git-server.ts'),
  ]);
  logger.info('preparing the local clusters (the first run builds kube-apiserver and etcd from Go modules: several minutes)');
  const binaries = await ensureBinaries();
  const seed = await ensureEtcdSeed(binaries);
  const clusterNames = ['dev', 'prod'] as const;
  const planes = await Promise.all(clusterNames.map((name) => createControlPlane({ binaries, dir: path.join(root, 'clusters', name), etcdSeedDir: seed })));
  const started = Date.now();
  await Promise.all(planes.map((plane) => plane.start()));
  logger.info('local clusters up', { clusters: clusterNames.join(','), ms: Date.now() - started });

  const kubeconfig = path.join(root, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    yaml.dump({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: planes.map((plane, i) => ({ name: clusterNames[i], cluster: { server: plane.server, 'certificate-authority-data': plane.caData } })),
      users: planes.map((plane, i) => ({ name: clusterNames[i], user: { token: plane.token } })),
      contexts: clusterNames.map((name) => ({ name, context: { cluster: name, user: name } })),
      'current-context': 'dev',
    }),
    { mode: 0o600 },
  );

  const slackMessages: EmbeddedFleet['slackMessages'] = [];
  const slackLog = path.join(root, 'slack.jsonl');
  const slack = await startSlackSink(logger, slackMessages, slackLog);
  const token = randomBytes(20).toString('hex');
  let webhookTarget: string | undefined;
  let knownRefs = new Map<string, string>();
  const projectRoot = path.join(root, 'git');
  mkdirSync(projectRoot, { recursive: true });
  const bareDir = path.join(projectRoot, 'fleet.git');
  let repoUrl = '';
  let sending = Promise.resolve();
  const onPush = (): void => {
    sending = sending
      .then(async () => {
        const now = await refsOf(bareDir);
        const updates = [...now].filter(([ref, id]) => knownRefs.get(ref) !== id);
        const previous = knownRefs;
        knownRefs = now;
        if (!webhookTarget) return;
        for (const [ref, after] of updates) {
          const body = await pushPayload(bareDir, repoUrl, ref, previous.get(ref), after);
          const signature = `sha256=${createHmac('sha256', token).update(body).digest('hex')}`;
          const url = `${webhookTarget}${receiverWebhookPath(token, EMBEDDED_RECEIVER.name, EMBEDDED_RECEIVER.namespace)}`;
          const response = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': signature },
            body,
          }).catch((error: unknown) => ({ status: 0, error }));
          logger.info('git host sent a push webhook', { ref, status: response.status });
        }
      })
      .catch((error: unknown) => logger.error('webhook from the local Git host failed', { error: String(error) }));
  };
  const gitServer = await startGitServer(projectRoot, { onPush });
  repoUrl = `${gitServer.baseUrl}/fleet.git`;

  const work = path.join(root, 'seed');
  cpSync(options.fleetDir ?? EXAMPLE_FLEET, work, { recursive: true });
  pointAtLocalRepo(work, repoUrl);
  await git(projectRoot, ['init', '--quiet', '--bare', '--initial-branch=main', bareDir]);
  await git(bareDir, ['config', 'http.receivepack', 'true']);
  await git(work, ['init', '--quiet', '--initial-branch=main']);
  await git(work, ['add', '--all']);
  await git(work, ['commit', '--quiet', '-m', 'Example fleet']);
  await git(work, ['tag', 'prod']);
  await git(work, ['push', '--quiet', bareDir, 'HEAD:refs/heads/main', 'refs/tags/prod']);
  knownRefs = await refsOf(bareDir);
  rmSync(work, { recursive: true, force: true });

  const bootstrap = bootstrapGitRepository(repoUrl, { branch: 'main' }, 'embedded bootstrap');
  return {
    kubeconfig,
    bootstrap,
    secrets: { [EMBEDDED_RECEIVER.secret]: token, [EMBEDDED_SLACK_SECRET]: JSON.stringify({ address: slack.url }) },
    repoUrl,
    bareDir,
    slackMessages,
    slackUrl: slack.url,
    slackLog,
    setWebhookTarget: (url) => (webhookTarget = url),
    stop: async () => {
      await sending;
      slack.server.closeAllConnections();
      await Promise.all([
        new Promise<void>((resolve) => slack.server.close(() => resolve())),
        gitServer.stop(),
        ...planes.map((plane) => plane.stop({ graceful: true })),
      ]);
    },
  };
}
