/**
 * `tideline diff <dir> --context <ctx>`: what applying a directory would change in a cluster, per
 * object, computed with server-side dry-run; Secret values masked; text, or one JSON document with
 * `--output json`. Exit code 0: no changes,
 * 1: changes, 2: error (as `flux diff kustomization`).
 */
import type { Command } from 'commander';
import { describeObject } from '#shared/errors/index.ts';
import { diffObjects } from '#shared/kube/index.ts';
import { clusterClientFor, directoryToClusterCommand, loadCliDirectory, outputFormat } from './apply.ts';
import type { ClusterCliOptions } from './apply.ts';

/** Registers the `diff` verb. */
export function registerDiff(program: Command): void {
  directoryToClusterCommand(
    program,
    'diff',
    'show what applying a directory would change in a cluster (server-side dry-run; Secret values masked); exit 0 none, 1 changes, 2 error',
  )
    .option('--prune', 'also show what tideline apply --prune would delete (applied before under this name, no longer in the directory)')
    .action(async (dir: string, options: ClusterCliOptions & { prune?: boolean }) => {
      const output = outputFormat(options);
      const { objects } = await loadCliDirectory(dir, options);
      const client = await clusterClientFor(options);
      try {
        const result = await diffObjects(client, {
          owner: { name: options.name, namespace: options.namespace },
          objects,
          ...(options.targetNamespace ? { targetNamespace: options.targetNamespace } : {}),
          ...(options.serviceAccount ? { serviceAccountName: options.serviceAccount } : {}),
          ...(options.prune ? { prune: true } : {}),
        });
        const changed = result.objects.some((o) => o.action === 'Created' || o.action === 'Configured' || o.action === 'Deleted');
        process.exitCode = result.errors.length > 0 ? 2 : changed ? 1 : 0;
        if (output === 'json') {
          // Every object with its action and (masked) diff, and the errors: one document for scripts.
          process.stdout.write(`${JSON.stringify({ changed, objects: result.objects, errors: result.errors }, null, 2)}\n`);
          return;
        }
        for (const object of result.objects) {
          if (object.action === 'Unchanged' || object.action === 'Skipped') continue;
          const verb = object.action === 'Created' ? 'created' : object.action === 'Deleted' ? 'deleted' : 'drifted';
          process.stdout.write(`► ${describeObject(object.object)} ${verb}\n${object.diff || (object.message ? `  ${object.message}\n` : '')}`);
        }
        for (const error of result.errors) process.stderr.write(`✗ ${error.message}\n`);
      } finally {
        client.close();
      }
    });
}
