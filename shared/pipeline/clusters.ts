/**
 * Clients of the fleet's clusters, one per cluster and reused while the process is warm (the
 * discovery cache and the connection pool are worth keeping between invocations).
 */
import { ClusterClient, endpointFromClusterRecord } from '#shared/kube/index.ts';
import type { KubeObject } from '#shared/kube/index.ts';
import { InvalidInputError, NotFoundError } from '#shared/errors/index.ts';
import type { PipelineDeps } from './deps.ts';

/** One client per cluster of the registry, opened on first use and reused while the process is warm. */
export class ClusterClients {
  readonly #clients = new Map<string, Promise<ClusterClient>>();
  readonly #deps: Pick<PipelineDeps, 'clusters' | 'connection' | 'clock'>;

  constructor(deps: Pick<PipelineDeps, 'clusters' | 'connection' | 'clock'>) {
    this.#deps = deps;
  }

  /** The client of `cluster` (NotFoundError when the registry has no such cluster). */
  get(cluster: string): Promise<ClusterClient> {
    let client = this.#clients.get(cluster);
    if (!client) {
      client = this.#deps.clusters
        .get(cluster)
        .then(
          async (record) =>
            new ClusterClient(await endpointFromClusterRecord(record, { ...this.#deps.connection, clock: this.#deps.clock }), { clock: this.#deps.clock }),
        );
      this.#clients.set(cluster, client);
      client.catch(() => this.#clients.delete(cluster));
    }
    return client;
  }

  /** Closes every client (their connection pools) and forgets them. */
  async close(): Promise<void> {
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    for (const client of await Promise.allSettled(clients)) if (client.status === 'fulfilled') client.value.close();
  }
}

/** The string data of a ConfigMap or Secret in the cluster (Secret values base64-decoded); undefined when absent. */
export async function readConfigData(
  client: ClusterClient,
  kind: 'ConfigMap' | 'Secret',
  namespace: string,
  name: string,
): Promise<Record<string, string> | undefined> {
  const object = (await client.get({ apiVersion: 'v1', kind, namespace, name })) as (KubeObject & { data?: Record<string, string> }) | undefined;
  if (!object) return undefined;
  const data = object.data ?? {};
  if (kind === 'ConfigMap') return { ...data };
  const decoded: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) decoded[key] = Buffer.from(value, 'base64').toString('utf8');
  return decoded;
}

/**
 * Flux `postBuild.substituteFrom`: the variables of every listed ConfigMap and Secret of the
 * Kustomization's namespace in its cluster, later entries overriding earlier ones. A missing
 * object is an error unless it is `optional`.
 */
export async function substituteFromCluster(
  client: ClusterClient,
  namespace: string,
  from: readonly { kind: 'ConfigMap' | 'Secret'; name: string; optional?: boolean | undefined }[],
): Promise<Record<string, string>> {
  const variables: Record<string, string> = {};
  for (const entry of from) {
    const data = await readConfigData(client, entry.kind, namespace, entry.name);
    if (data === undefined) {
      if (entry.optional) continue;
      throw new NotFoundError(`postBuild.substituteFrom: ${entry.kind} ${namespace}/${entry.name} not found in the cluster`);
    }
    for (const [key, value] of Object.entries(data)) {
      if (!/^[_a-zA-Z][_a-zA-Z0-9]*$/.test(key))
        throw new InvalidInputError(`postBuild.substituteFrom: ${entry.kind} ${namespace}/${entry.name}: key '${key}' is not a valid variable name`);
      variables[key] = value;
    }
  }
  return variables;
}
