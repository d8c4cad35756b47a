/**
 * `tideline drift [--context c] [--correct]`: the drift sweep's check from the command line, for
 * the clusters of a kubeconfig (every context, or one) against what local mode last applied (the
 * bundles and fleet snapshot of its data directory). Reports every drifted object with its changed
 * fields (Secret values masked); `--correct` puts Git's state back. Exit code 0: no drift, 1: drift
 * (found, or found and corrected), 2: error (a cluster could not be checked, an object could not be
 * compared).
 */
import type { Command } from 'commander';
import { FsArtifactStore } from '#shared/adapters/local/fs-artifact-store.ts';
import { FileStatusStore } from '#shared/adapters/local/file-status-store.ts';
import { KubeconfigClusterRegistry } from '#shared/adapters/local/kubeconfig-cluster-registry.ts';
import { localDataPaths } from '#shared/adapters/local/data-dir.ts';
import { driftTextLines } from '#shared/alerts/drift-format.ts';
import { boundedDrift, closeDriftClients, runDriftShard } from '#shared/drift/index.ts';
import type { DriftDeps } from '#shared/drift/index.ts';
import { InvalidInputError } from '#shared/errors/index.ts';
import { kubeconfigPaths } from '#shared/kube/kubeconfig.ts';
import { FleetStore } from '#shared/pipeline/fleet-store.ts';
import { silentLogger, systemClock } from '#shared/ports/index.ts';
import { clusterOptions, connectionOptions, outputFormat, outputOption } from './apply.ts';
import type { ClusterCliOptions } from './apply.ts';

interface DriftCliOptions extends Pick<ClusterCliOptions, 'context' | 'kubeconfig' | 'insecureSkipTlsVerify' | 'credentialDir'> {
  correct?: boolean;
  dataDir?: string;
  deadline: string;
  output: string;
}

/** Registers the `drift` verb. */
export function registerDrift(program: Command): void {
  const command = program
    .command('drift')
    .description(
      'check the clusters of a kubeconfig for drift from what Tideline last applied (Secret values masked); --correct puts it back; exit 0 none, 1 drift, 2 error',
    );
  outputOption(clusterOptions(command))
    .option('--correct', 're-apply the drifted objects (default: only report them)')
    .option('--data-dir <dir>', 'local data directory holding the applied bundles (env TIDELINE_DATA_DIR; default ${XDG_STATE_HOME:-~/.local/state}/tideline)')
    .option('--deadline <ms>', 'time one cluster may take before it is reported Timeout', '20000')
    .action(async (options: DriftCliOptions) => {
      const output = outputFormat(options);
      if (!/^[0-9]+$/.test(options.deadline) || Number(options.deadline) < 1)
        throw new InvalidInputError(`--deadline must be a positive number of milliseconds, not ${JSON.stringify(options.deadline)}`);
      const paths = localDataPaths(options.dataDir ? { ...process.env, TIDELINE_DATA_DIR: options.dataDir } : process.env);
      const artifacts = new FsArtifactStore(paths.artifactsDir);
      const registry = new KubeconfigClusterRegistry({
        path: kubeconfigPaths(options.kubeconfig),
        ...(options.credentialDir?.length ? { credentialFileDirs: connectionOptions(options).credentialFileDirs ?? [] } : {}),
      });
      const deps: DriftDeps = {
        bus: { publish: async (events) => ({ published: events.length, failed: [] }) },
        artifacts,
        status: new FileStatusStore(paths.statusFile),
        clusters: registry,
        fleet: new FleetStore(artifacts),
        clock: systemClock,
        logger: silentLogger,
        connection: { allowInsecure: options.insecureSkipTlsVerify === true },
      };
      const clusters = options.context ? [(await registry.get(options.context)).name] : (await registry.list()).map((r) => r.name);
      if (clusters.length === 0) throw new InvalidInputError('the kubeconfig has no contexts to check');
      const report = await runDriftShard(
        { version: 1, eventId: 'cli', correlationId: 'cli', occurredAt: new Date().toISOString(), sweepId: 'cli', shard: { index: 0, count: 1 }, clusters },
        deps,
        { concurrency: 4, clusterDeadlineMs: Number(options.deadline), mode: options.correct ? 'correct' : 'detect', publish: false },
      ).finally(closeDriftClients);
      const errors = report.results.some((r) => r.outcome === 'unreachable' || r.kustomizations.some((k) => k.errors.length > 0));
      process.exitCode = errors ? 2 : report.driftedObjects > 0 ? 1 : 0;
      if (output === 'json') {
        process.stdout.write(
          `${JSON.stringify({ drifted: report.driftedObjects, corrected: report.corrected, apiRequests: report.apiRequests, clusters: report.results }, null, 2)}\n`,
        );
        return;
      }
      for (const result of report.results) {
        if (result.outcome === 'unreachable') {
          process.stderr.write(`✗ ${result.cluster}: ${result.reason}: ${result.message}\n`);
          continue;
        }
        for (const k of result.kustomizations) {
          const what = k.drifted.length === 0 ? 'in sync' : `${k.drifted.length} object(s) drifted${options.correct ? ', re-applied' : ''}`;
          process.stdout.write(
            `${k.drifted.length === 0 ? '✔' : '►'} ${result.cluster} Kustomization ${k.key.namespace}/${k.key.name} (${k.revision}): ${what}\n`,
          );
          for (const line of driftTextLines(boundedDrift(k.drifted), k.drifted.length, 20)) process.stdout.write(`  ${line}\n`);
          for (const error of k.errors) process.stderr.write(`✗ ${error.message}\n`);
        }
        for (const s of result.skipped) process.stdout.write(`· ${result.cluster} Kustomization ${s.key.namespace}/${s.key.name}: not checked (${s.reason})\n`);
      }
      process.stdout.write(
        `${report.clusters} cluster(s), ${report.driftedObjects} drifted object(s)${options.correct ? `, ${report.corrected} corrected` : ''}, ${report.apiRequests} API requests\n`,
      );
    });
}
