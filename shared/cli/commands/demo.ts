/**
 * `tideline demo` (`npm run demo`): a newcomer's first minute, against the embedded default of a
 * running `tideline dev` (`npm start`). Each step is real: a commit pushed to the local Git
 * server (which sends the webhook), `kubectl scale` on the local cluster, a broken commit, a
 * moved tag — and each waits for what Tideline does about it and says how long it took.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { InvalidInputError, NotFoundError } from '#shared/errors/index.ts';
import type { KustomizationStatus } from '#shared/ports/index.ts';

const execFileAsync = promisify(execFile);

interface DemoInfo {
  repoUrl: string;
  kubeconfig: string;
  slackLog: string;
}

function readJson<T>(file: string, what: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    throw new NotFoundError(`${what} not found at ${file}: start local mode first (npm start) and wait for the first sync`);
  }
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return { value, ms: Date.now() - started };
    if (Date.now() - started > timeoutMs) throw new InvalidInputError(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Runs the demo against the local mode whose data lives in `dataDir`; writes its narration to `out`. */
export async function runDemo(dataDir: string, out: (line: string) => void): Promise<void> {
  const infoFile = path.join(dataDir, 'demo.json');
  if (!existsSync(infoFile)) out(`waiting for local mode (npm start) to come up — it writes ${infoFile}…`);
  // The first run of npm start builds the clusters' binaries: minutes on a cold machine.
  await waitFor('npm start to write demo.json', async () => (existsSync(infoFile) ? true : undefined), 20 * 60_000);
  const info = readJson<DemoInfo>(infoFile, 'the embedded default of local mode');
  const statusFile = path.join(dataDir, 'status.json');
  const { FileStatusStore } = await import('#shared/adapters/local/file-status-store.ts');
  const status = new FileStatusStore(statusFile);
  const { git } = await import('#shared/local/embedded.ts');
  const { ensureBinaries } = await import('#test/env/build.ts');
  const kubectlBin = (await ensureBinaries()).kubectl;
  const kubectl = async (context: string, args: string[]): Promise<string> =>
    (await execFileAsync(kubectlBin, ['--kubeconfig', info.kubeconfig, '--context', context, ...args])).stdout.trim();
  const apps = (cluster: string): Promise<KustomizationStatus | undefined> => status.getKustomization({ cluster, namespace: 'flux-system', name: 'apps' });
  const deployment = async (cluster: string): Promise<{ replicas: number; image: string }> => {
    const object = JSON.parse(await kubectl(cluster, ['get', 'deployment', `${cluster}-web`, '-n', 'shop', '-o', 'json'])) as {
      spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
    };
    return { replicas: object.spec.replicas, image: object.spec.template.spec.containers[0]?.image ?? '' };
  };
  const applied = (cluster: string, revision: string) => async () => ((await apps(cluster))?.lastAppliedRevision === revision ? true : undefined);

  await waitFor(
    'the first sync of dev and prod',
    async () => ((await apps('dev'))?.lastAppliedRevision && (await apps('prod'))?.lastAppliedRevision ? true : undefined),
    120_000,
  );
  const work = mkdtempSync(path.join(tmpdir(), 'tideline-demo-'));
  try {
    await git(work, ['clone', '--quiet', info.repoUrl, '.']);
    const overlay = path.join(work, 'apps/dev/kustomization.yaml');
    const before = await deployment('dev');
    out(`1. dev runs ${before.image} with ${before.replicas} replicas. Pushing a commit that bumps both…`);
    const text = readFileSync(overlay, 'utf8');
    const replicas = before.replicas + 1;
    const tag = `1.27.${Number(before.image.split('.').pop() ?? 0) + 1}`;
    writeFileSync(overlay, text.replace(/value: \d+/, `value: ${replicas}`).replace(/newTag: \S+/, `newTag: ${tag}`));
    await git(work, ['commit', '--quiet', '-am', `dev: ${replicas} replicas of nginx:${tag}`]);
    await git(work, ['push', '--quiet', 'origin', 'HEAD:main']);
    const bumped = `main@sha1:${await git(work, ['rev-parse', 'HEAD'])}`;
    const synced = await waitFor(`dev to apply ${bumped}`, applied('dev', bumped), 60_000);
    const after = await deployment('dev');
    out(`   ✔ applied ${bumped.slice(0, 22)}… in ${synced.ms} ms after the push: ${after.image}, ${after.replicas} replicas`);

    out(`2. kubectl scale deployment dev-web --replicas=7 (a change made by hand)…`);
    await kubectl('dev', ['scale', 'deployment', 'dev-web', '-n', 'shop', '--replicas=7']);
    const reverted = await waitFor(
      'the next interval to revert the scale',
      async () => ((await deployment('dev')).replicas === replicas ? true : undefined),
      90_000,
    );
    out(`   ✔ reverted to ${replicas} replicas by the next interval, ${Math.round(reverted.ms / 1000)} s later`);

    out(`3. Pushing a broken commit (a manifest that is not YAML)…`);
    const alertsBefore = readFileSync(info.slackLog, { encoding: 'utf8', flag: 'a+' }).split('\n').filter(Boolean).length;
    writeFileSync(path.join(work, 'apps/base/web.yaml'), `${readFileSync(path.join(work, 'apps/base/web.yaml'), 'utf8')}\n---\nkind: [broken\n`);
    await git(work, ['commit', '--quiet', '-am', 'break the build']);
    await git(work, ['push', '--quiet', 'origin', 'HEAD:main']);
    const failed = await waitFor(
      'RenderFailed',
      async () => ((await apps('dev'))?.ready.reason === 'BuildFailed' ? (await apps('dev'))?.ready.message : undefined),
      60_000,
    );
    const alert = await waitFor(
      'the alert on the Slack-like sink',
      async () => {
        const lines = readFileSync(info.slackLog, 'utf8').split('\n').filter(Boolean);
        return lines.length > alertsBefore ? (JSON.parse(lines[lines.length - 1] ?? '{}') as { text: string }).text : undefined;
      },
      30_000,
    );
    const still = await deployment('dev');
    out(`   ✔ RenderFailed: ${failed.value.split('\n')[0]}`);
    out(`   ✔ alert received: ${alert.value.split('\n')[0]}`);
    out(`   ✔ nothing pruned: dev-web still runs ${still.image}, ${still.replicas} replicas`);
    await git(work, ['revert', '--no-edit', 'HEAD']);
    await git(work, ['push', '--quiet', 'origin', 'HEAD:main']);
    const fixed = `main@sha1:${await git(work, ['rev-parse', 'HEAD'])}`;
    await waitFor(`dev to apply the revert ${fixed}`, applied('dev', fixed), 60_000);
    out(`   ✔ git revert pushed and applied (${fixed.slice(0, 22)}…)`);

    const prodBefore = await deployment('prod');
    out(`4. prod follows the tag 'prod' and runs ${prodBefore.image}. Moving the tag to main promotes…`);
    await git(work, ['tag', '-f', 'prod']);
    await git(work, ['push', '--quiet', '--force', 'origin', 'refs/tags/prod']);
    const promoted = `prod@sha1:${await git(work, ['rev-parse', 'HEAD'])}`;
    const prodSynced = await waitFor(`prod to apply ${promoted}`, applied('prod', promoted), 60_000);
    const prodAfter = await deployment('prod');
    out(`   ✔ prod applied ${promoted.slice(0, 22)}… in ${prodSynced.ms} ms: ${prodAfter.image}, ${prodAfter.replicas} replicas (its own overlay)`);
    out('Done. `npm run tideline -- get kustomizations -A` shows the status of both clusters.');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Registers the `demo` verb. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('walk through the first minute against a running `tideline dev` embedded default (npm start)')
    .option('--data-dir <dir>', 'the data directory of the running local mode')
    .action(async (options: { dataDir?: string }) => {
      const { localDataDir } = await import('#shared/adapters/local/data-dir.ts');
      await runDemo(path.resolve(options.dataDir ?? localDataDir(process.env)), (line) => process.stdout.write(`${line}\n`));
    });
}
