/**
 * `tideline delete --name <kustomization> --context <ctx>`: remove from a cluster what a
 * Kustomization applied, as when it is removed from the fleet — following a Flux deletion policy —
 * and print the change set. Exit code 0 on success, 2 on error.
 */
import type { Command } from 'commander';
import { durationToMs } from '#shared/config/duration.ts';
import { InvalidInputError } from '#shared/errors/index.ts';
import { finalizeKustomization, formatChangeSet, formatCounts } from '#shared/kube/index.ts';
import type { DeletionPolicy } from '#shared/kube/index.ts';
import { clusterClientFor, clusterOptions } from './apply.ts';
import type { ClusterCliOptions } from './apply.ts';

const POLICIES: readonly DeletionPolicy[] = ['MirrorPrune', 'Delete', 'WaitForTermination', 'Orphan'];

interface DeleteCliOptions extends Omit<ClusterCliOptions, 'output' | 'targetNamespace'> {
  deletionPolicy: string;
  prune?: boolean;
  timeout: string;
}

/** Registers the `delete` verb. */
export function registerDelete(program: Command): void {
  const command = program
    .command('delete')
    .description('remove what a Kustomization applied to a cluster (its inventory), following a Flux deletion policy, and drop the inventory');
  clusterOptions(command)
    .requiredOption('--name <name>', 'Kustomization name (as given to tideline apply)')
    .option('--namespace <namespace>', 'Kustomization namespace', 'flux-system')
    .option('--service-account <name>', 'Flux spec.serviceAccountName: delete as this service account of the --namespace namespace')
    .option('--deletion-policy <policy>', `Flux spec.deletionPolicy: ${POLICIES.join(', ')}`, 'Delete')
    .option('--prune', 'what MirrorPrune mirrors: delete only with --prune')
    .option('--timeout <duration>', 'how long WaitForTermination waits', '5m')
    .action(async (options: DeleteCliOptions) => {
      const policy = POLICIES.find((p) => p === options.deletionPolicy);
      if (!policy) throw new InvalidInputError(`--deletion-policy must be one of ${POLICIES.join(', ')}, not ${JSON.stringify(options.deletionPolicy)}`);
      const client = await clusterClientFor(options);
      try {
        const result = await finalizeKustomization(client, {
          owner: { name: options.name, namespace: options.namespace },
          deletionPolicy: policy,
          prune: options.prune === true,
          timeoutMs: durationToMs(options.timeout),
          ...(options.serviceAccount ? { serviceAccountName: options.serviceAccount } : {}),
        });
        const printed = formatChangeSet({ entries: result.changeSet.entries, errors: [] });
        if (printed) process.stdout.write(`${printed}\n`);
        for (const error of result.changeSet.errors) process.stderr.write(`✗ ${error.message}\n`);
        const summary =
          result.outcome === 'nothing-applied'
            ? 'nothing applied under this name'
            : result.outcome === 'orphaned'
              ? `left ${result.left} objects in place, inventory removed`
              : formatCounts(result.changeSet);
        process.stdout.write(`${result.failure ? `failed (${result.failure})` : result.outcome}: ${summary}\n`);
        process.exitCode = result.failure ? 2 : 0;
      } finally {
        client.close();
      }
    });
}
