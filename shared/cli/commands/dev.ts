/**
 * `tideline dev` (what `npm start` runs): local mode. One process runs the whole pipeline —
 * webhook intake on localhost, source, render, apply, alerts and the schedule — with the local
 * adapters, and prints a live log: received → fetched → rendered → applied.
 *
 * With nothing configured it starts the embedded default: two local clusters (`dev`, `prod`),
 * the example fleet served over a local Git server that sends push webhooks, and a Slack-like
 * sink for alerts. `tideline demo` then walks through a newcomer's first minute against it.
 * Real use: `tideline dev --repo <url> [--branch main] [--kubeconfig …]`, clusters being the
 * kubeconfig's contexts named like `clusters/<name>/`.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { InvalidInputError } from '#shared/errors/index.ts';

/** The example fleet shipped with Tideline, used when no fleet is given. */
export const EMBEDDED_FLEET = fileURLToPath(new URL('../../../examples/fleet', import.meta.url));

/** One rendered Kustomization, as `tideline dev --render-only` reports it. */
export interface DevRender {
  cluster: string;
  kustomization: string;
  path: string;
  objects: number;
  kinds: Record<string, number>;
  digest: string;
}

/** Renders every Kustomization of the fleet checkout at `root` as the render function will, in path order (no cluster needed). */
export async function renderFleet(root: string): Promise<DevRender[]> {
  const { findFleetKustomizations } = await import('#shared/config/kustomization.ts');
  const { buildOptionsFromKustomization, renderKustomization } = await import('#shared/render/index.ts');
  const results: DevRender[] = [];
  for (const { cluster, kustomization } of await findFleetKustomizations(root)) {
    const spec = kustomization.spec;
    const rendered = await renderKustomization({ root, path: spec.path ?? '.', flux: buildOptionsFromKustomization(spec) });
    const kinds: Record<string, number> = {};
    for (const object of rendered.objects) kinds[object.kind] = (kinds[object.kind] ?? 0) + 1;
    results.push({
      cluster,
      kustomization: `${kustomization.metadata.namespace}/${kustomization.metadata.name}`,
      path: spec.path ?? '.',
      objects: rendered.objects.length,
      kinds,
      digest: rendered.digest,
    });
  }
  return results;
}

interface DevOptions {
  repo?: string;
  branch?: string;
  tag?: string;
  kubeconfig?: string;
  secrets?: string;
  port?: string;
  dataDir?: string;
  renderOnly?: boolean;
  fleet?: string;
  insecureSkipTlsVerify?: boolean;
}

/** Waits for Ctrl-C (or SIGTERM), then runs `stop` once. */
function untilSignal(stop: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const onSignal = (): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.stderr.write('\nstopping…\n');
      void stop().finally(resolve);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

async function runDev(options: DevOptions): Promise<void> {
  const [{ ConsoleLogger }, { localDataDir }, { startLocalPipeline }, { bootstrapGitRepository }, { kubeconfigPaths }] = await Promise.all([
    import('#shared/adapters/local/console-logger.ts'),
    import('#shared/adapters/local/data-dir.ts'),
    import('#shared/local/runtime.ts'),
    import('#shared/config/git-repository.ts'),
    import('#shared/kube/kubeconfig.ts'),
  ]);
  const logger = new ConsoleLogger({ stream: process.stdout });
  const dataDir = path.resolve(options.dataDir ?? localDataDir(process.env));
  const port = options.port === undefined ? undefined : Number(options.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535))
    throw new InvalidInputError(`--port must be a port number, not ${JSON.stringify(options.port)}`);

  if (options.repo === undefined) {
    const { startEmbeddedFleet } = await import('#shared/local/embedded.ts');
    const demoFile = path.join(dataDir, 'demo.json');
    rmSync(demoFile, { force: true }); // a run that was killed may have left one behind
    process.stdout.write('Tideline local mode — embedded default: clusters dev and prod, the example fleet (examples/fleet) on a local Git server\n');
    const embedded = await startEmbeddedFleet({ dataDir, logger });
    let pipeline: Awaited<ReturnType<typeof startLocalPipeline>> | undefined;
    try {
      pipeline = await startLocalPipeline({
        bootstrap: embedded.bootstrap,
        kubeconfig: embedded.kubeconfig,
        dataDir,
        secrets: embedded.secrets,
        logger,
        ...(port !== undefined ? { port } : {}),
      });
    } catch (error) {
      await embedded.stop();
      throw error;
    }
    embedded.setWebhookTarget(pipeline.url);
    writeFileSync(demoFile, `${JSON.stringify({ repoUrl: embedded.repoUrl, kubeconfig: embedded.kubeconfig, slackLog: embedded.slackLog }, null, 2)}\n`);
    process.stdout.write(
      [
        `webhooks:  ${pipeline.url}/hook/<digest>   (the local Git server sends one after every push)`,
        `fleet:     git clone ${embedded.repoUrl}`,
        `clusters:  kubectl --kubeconfig ${embedded.kubeconfig} --context dev|prod …`,
        `status:    npm run tideline -- get kustomizations -A`,
        `next:      npm run demo   (in another terminal) — Ctrl-C here stops everything`,
        '',
      ].join('\n'),
    );
    await untilSignal(async () => {
      rmSync(demoFile, { force: true });
      await pipeline.stop();
      await embedded.stop();
    });
    return;
  }

  const ref = options.tag ? { tag: options.tag } : { branch: options.branch ?? 'main' };
  const bootstrap = bootstrapGitRepository(options.repo, ref, '--repo');
  const pipeline = await startLocalPipeline({
    bootstrap,
    kubeconfig: kubeconfigPaths(options.kubeconfig ? path.resolve(options.kubeconfig) : undefined),
    dataDir,
    ...(options.secrets ? { secretsFile: path.resolve(options.secrets) } : {}),
    logger,
    ...(port !== undefined ? { port } : {}),
    ...(options.insecureSkipTlsVerify ? { connection: { allowInsecure: true } } : {}),
  });
  process.stdout.write(
    `Tideline local mode — fleet ${options.repo} (${options.tag ? `tag ${options.tag}` : `branch ${ref.branch}`}); webhooks at ${pipeline.url}/hook/<digest>; Ctrl-C stops\n`,
  );
  await untilSignal(() => pipeline.stop());
}

/** Registers the `dev` verb. */
export function registerDev(program: Command): void {
  program
    .command('dev')
    .description('run the whole pipeline locally (default: the embedded example fleet on two local clusters)')
    .option('--repo <url>', 'fleet repository to follow (https:// or http://); clusters are the kubeconfig contexts named like clusters/<name>/')
    .option('--branch <branch>', 'branch of --repo to follow', 'main')
    .option('--tag <tag>', 'follow a tag of --repo instead of a branch')
    .option('--kubeconfig <file>', 'kubeconfig whose contexts are the clusters (default: $KUBECONFIG or ~/.kube/config)')
    .option('--secrets <file>', 'secrets file (webhook tokens, Git credentials, provider addresses)')
    .option('--port <port>', 'port of the webhook server (default: a free one)')
    .option('--data-dir <dir>', 'where artifacts, status and the Git cache live (default: $TIDELINE_DATA_DIR or ~/.local/state/tideline)')
    .option('--insecure-skip-tls-verify', 'accept kubeconfig clusters that disable TLS verification')
    .option('--render-only', 'only render every Kustomization of a fleet checkout (--fleet) and print what each cluster would receive')
    .option('--fleet <dir>', 'fleet checkout for --render-only (default: the embedded example fleet)')
    .action(async (options: DevOptions) => {
      if (options.renderOnly) {
        const root = path.resolve(options.fleet ?? EMBEDDED_FLEET);
        for (const render of await renderFleet(root)) {
          const kinds = Object.entries(render.kinds)
            .map(([kind, count]) => `${count} ${kind}`)
            .join(', ');
          process.stdout.write(
            `cluster ${render.cluster}: Kustomization ${render.kustomization} (${render.path}) → ${render.objects} objects (${kinds}), ${render.digest}\n`,
          );
        }
        return;
      }
      await runDev(options);
    });
}
