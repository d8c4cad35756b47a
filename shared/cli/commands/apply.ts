/**
 * `tideline apply <dir> --context <ctx>`: reconcile a local directory into a cluster, as the apply
 * function does for a rendered bundle, and print the change set (as text, or as one JSON document
 * with `--output json`). Exit code 0 on success, 2 on error.
 */
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { durationToMs } from '#shared/config/duration.ts';
import { InvalidInputError, describeObject } from '#shared/errors/index.ts';
import { ClusterClient, endpointFromKubeconfigFile, formatChangeSet, formatCounts, reconcileObjects, summarizeChangeSet } from '#shared/kube/index.ts';
import type { ReconcileResult } from '#shared/kube/index.ts';
import { kubeconfigPaths } from '#shared/kube/kubeconfig.ts';
import { loadDirectoryObjects } from '#shared/kube/manifests.ts';
import { repositoryRoot } from '../repository-root.ts';

/** Options shared by `apply` and `diff`. */
export interface ClusterCliOptions {
  context?: string;
  kubeconfig?: string;
  insecureSkipTlsVerify?: boolean;
  /** `--credential-dir`: directories the kubeconfig's credential files may be read from. */
  credentialDir?: string[];
  name: string;
  namespace: string;
  targetNamespace?: string;
  serviceAccount?: string;
  /** `--root`: the tree the directory may refer into (default: the enclosing Git repository). */
  root?: string;
  /** `text` or `json` (see {@link outputFormat}). */
  output: string;
}

/** Adds the cluster connection options. */
export function clusterOptions(command: Command): Command {
  return command
    .option('--context <context>', 'kubeconfig context (default: the current context)')
    .option('--kubeconfig <file>', 'kubeconfig file (default: the files of $KUBECONFIG, merged as kubectl does, or ~/.kube/config)')
    .option('--insecure-skip-tls-verify', 'accept a kubeconfig cluster that disables TLS verification')
    .option(
      '--credential-dir <dir>',
      "a directory the kubeconfig's credential files (certificate-authority, client-certificate, client-key, tokenFile) may be read from (repeatable; in addition to the kubeconfig files' own directories)",
      (value: string, previous: string[] = []) => [...previous, value],
    );
}

/**
 * The connection options the cluster CLI options ask for: credential files may be read from the
 * kubeconfig files' own directories and every `--credential-dir`.
 */
export function connectionOptions(options: Pick<ClusterCliOptions, 'insecureSkipTlsVerify' | 'credentialDir' | 'kubeconfig'>): {
  allowInsecure: boolean;
  credentialFileDirs?: string[];
} {
  const extra = options.credentialDir ?? [];
  const credentialFileDirs = [...kubeconfigPaths(options.kubeconfig).map((file) => dirname(resolve(file))), ...extra];
  return { allowInsecure: options.insecureSkipTlsVerify === true, ...(extra.length > 0 ? { credentialFileDirs } : {}) };
}

/** The client of the cluster the connection options name (kubeconfig files, context, TLS, credential directories). */
export async function clusterClientFor(
  options: Pick<ClusterCliOptions, 'context' | 'kubeconfig' | 'insecureSkipTlsVerify' | 'credentialDir'>,
): Promise<ClusterClient> {
  return new ClusterClient(await endpointFromKubeconfigFile(kubeconfigPaths(options.kubeconfig), options.context, connectionOptions(options)));
}

/** The objects of `dir` as `apply` and `diff` read them: nothing outside `--root`, `--target-namespace` set. */
export function loadCliDirectory(dir: string, options: Pick<ClusterCliOptions, 'root' | 'targetNamespace'>): ReturnType<typeof loadDirectoryObjects> {
  return loadDirectoryObjects(dir, {
    root: repositoryRoot(dir, options.root),
    ...(options.targetNamespace ? { targetNamespace: options.targetNamespace } : {}),
  });
}

/** Adds `--root`, the tree a directory's kustomization may refer into, as `tideline render` takes it. */
export function rootOption(command: Command): Command {
  return command.option('--root <dir>', 'repository root; nothing outside it is read (default: the enclosing git repository)');
}

/** Adds `-o, --output text|json`. */
export function outputOption(command: Command): Command {
  return command.option('-o, --output <format>', 'text or json', 'text');
}

/** The output format asked for; an InvalidInputError (exit 2, nothing done) for anything else. */
export function outputFormat(options: { output: string }): 'text' | 'json' {
  if (options.output !== 'text' && options.output !== 'json')
    throw new InvalidInputError(`--output must be text or json, not ${JSON.stringify(options.output)}`);
  return options.output;
}

/** Adds the options naming the Kustomization the objects belong to. */
export function ownerOptions(command: Command): Command {
  return command
    .option('--name <name>', 'Kustomization name recorded in ownership labels and the inventory', 'local')
    .option('--namespace <namespace>', 'Kustomization namespace', 'flux-system')
    .option('--target-namespace <namespace>', 'Flux spec.targetNamespace: the namespace of every namespaced object')
    .option('--service-account <name>', 'Flux spec.serviceAccountName: write as this service account of the --namespace namespace (impersonation)');
}

interface ApplyCliOptions extends ClusterCliOptions {
  prune?: boolean;
  wait?: boolean;
  force?: boolean;
  forceConflicts: boolean;
  validate: boolean;
  allowEmpty?: boolean;
  timeout: string;
  revision: string;
  order?: string;
}

/**
 * The result as one JSON document for scripts: outcome, counts, every entry and error (messages
 * are already free of secret values), and the unready objects of a health wait.
 */
export function applyResultJson(result: ReconcileResult): string {
  return JSON.stringify(
    {
      status: result.failure ? 'failed' : 'applied',
      ...(result.failure ? { failure: result.failure } : {}),
      counts: summarizeChangeSet(result.changeSet, 0).counts,
      entries: result.changeSet.entries,
      errors: result.changeSet.errors,
      ...(result.health ? { health: { ready: result.health.ready, unhealthy: result.health.unhealthy } } : {}),
      ...(result.inventory ? { revision: result.inventory.revision } : {}),
    },
    null,
    2,
  );
}

/**
 * A verb that takes a directory to a cluster as a Kustomization would: `<dir>` and the owner,
 * cluster, output and root options. `apply` and `diff` share it so that a `diff` command line
 * run again as `apply` means the same objects in the same cluster.
 */
export function directoryToClusterCommand(program: Command, verb: string, description: string): Command {
  const command = program.command(verb).description(description).argument('<dir>', 'Kustomize or plain-manifest directory');
  return rootOption(outputOption(clusterOptions(ownerOptions(command))));
}

/** Registers the `apply` verb. */
export function registerApply(program: Command): void {
  directoryToClusterCommand(program, 'apply', 'reconcile a directory into a cluster with server-side apply and print the change set')
    .option('--prune', 'delete objects applied before under this name that the directory no longer holds')
    .option('--wait', 'wait for the applied objects to become ready')
    .option('--force', 'recreate objects whose immutable fields changed')
    .option('--no-force-conflicts', 'fail on fields another field manager owns instead of taking them over')
    .option('--no-validate', 'skip the server-side dry-run of the whole set (faster; an invalid object then stops the run part-way)')
    .option('--allow-empty', 'let an empty directory prune everything applied before under this name (with --prune)')
    .option('--timeout <duration>', 'health wait timeout', '5m')
    .option('--revision <revision>', 'revision recorded in the inventory', 'local')
    .option(
      '--order <number>',
      "the revision's place in history (e.g. its commit time in ms); one lower than the applied revision's is refused, not rolled back",
    )
    .action(async (dir: string, options: ApplyCliOptions) => {
      const output = outputFormat(options);
      const order = options.order === undefined ? undefined : Number(options.order);
      if (options.order !== undefined && (!/^\d+$/.test(options.order) || !Number.isSafeInteger(order))) {
        throw new InvalidInputError(`--order must be a non-negative integer, not ${JSON.stringify(options.order)}`);
      }
      const { objects, digest } = await loadCliDirectory(dir, options);
      const client = await clusterClientFor(options);
      try {
        const result = await reconcileObjects(client, {
          owner: { name: options.name, namespace: options.namespace },
          objects,
          revision: options.revision,
          ...(order !== undefined ? { order } : {}),
          digest,
          prune: options.prune === true,
          wait: options.wait === true,
          force: options.force === true,
          forceConflicts: options.forceConflicts,
          validate: options.validate,
          allowEmpty: options.allowEmpty === true,
          ...(options.serviceAccount ? { serviceAccountName: options.serviceAccount } : {}),
          timeoutMs: durationToMs(options.timeout),
          ...(options.targetNamespace ? { targetNamespace: options.targetNamespace } : {}),
        });
        process.exitCode = result.failure ? 2 : 0;
        if (output === 'json') {
          process.stdout.write(`${applyResultJson(result)}\n`);
          return;
        }
        const printed = formatChangeSet({ entries: result.changeSet.entries, errors: [] });
        if (printed) process.stdout.write(`${printed}\n`);
        for (const error of result.changeSet.errors) process.stderr.write(`✗ ${error.message}\n`);
        for (const u of result.health?.unhealthy ?? []) process.stderr.write(`✗ ${describeObject(u.object)}: not ready (${u.status}): ${u.message}\n`);
        // A run that failed before writing anything says so (not "nothing to do").
        const counts = result.changeSet.entries.length === 0 && result.failure ? 'nothing applied' : formatCounts(result.changeSet);
        process.stdout.write(`${result.failure ? `failed (${result.failure})` : 'applied'}: ${counts}\n`);
      } finally {
        client.close();
      }
    });
}
