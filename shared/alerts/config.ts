/**
 * The alerting configuration of a fleet, read from its Git repository.
 *
 * Alerts and Providers are Flux objects in the fleet repo. Each Flux cluster runs its own
 * notification-controller, so objects under `clusters/<name>/` concern that cluster only, while
 * objects elsewhere concern every cluster. Kustomizations and GitRepositories are read too (loosely:
 * their full validation belongs to the reconciler) for two things alerts need: a Kustomization's
 * labels, which `matchLabels` selects on, and its source repository URL, which commit links use.
 */
import { NotFoundError } from '#shared/errors/index.ts';
import { parseAlert, type FluxAlert } from '#shared/config/alert.ts';
import { parseProvider, type FluxProvider } from '#shared/config/provider.ts';
import { clusterOfFile, readFleetDocuments, type FleetDocument } from '#shared/config/fleet.ts';

export { clusterOfFile, parseYamlDocuments, type FleetDocument } from '#shared/config/fleet.ts';

/** What alerting knows about one Kustomization. */
export interface KustomizationFacts {
  labels: Record<string, string>;
  /** URL of its GitRepository source, when it could be found. */
  repoUrl?: string;
}

/** The alerting configuration: Alerts, Providers, and facts about Kustomizations. */
export interface AlertingConfig {
  alerts: Scoped<FluxAlert>[];
  providers: Scoped<FluxProvider>[];
  kustomizations: Map<string, KustomizationFacts>;
}

/** An Alert or Provider with the cluster it is scoped to (undefined: every cluster). */
type Scoped<T> = { value: T; cluster?: string };

const NOTIFICATION_GROUP = 'notification.toolkit.fluxcd.io/';

function kustomizationKey(cluster: string | undefined, namespace: string, name: string): string {
  return `${cluster ?? '*'}|${namespace}/${name}`;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(record(value) ?? {})) if (typeof item === 'string') out[key] = item;
  return out;
}

/**
 * Builds the alerting configuration from Flux objects. Alerts and Providers are validated
 * (InvalidInputError naming file and field); other kinds are read only for labels and source URLs.
 */
export function buildAlertingConfig(documents: readonly FleetDocument[]): AlertingConfig {
  const alerts: Scoped<FluxAlert>[] = [];
  const providers: Scoped<FluxProvider>[] = [];
  const repoUrls = new Map<string, string>();
  const pending: { key: string; labels: Record<string, string>; sourceKey?: string; cluster: string | undefined }[] = [];
  for (const { value, file } of documents) {
    const object = record(value);
    const apiVersion = typeof object?.apiVersion === 'string' ? object.apiVersion : '';
    const kind = object?.kind;
    const cluster = clusterOfFile(file);
    const scope = cluster === undefined ? {} : { cluster };
    const metadata = record(object?.metadata);
    const name = typeof metadata?.name === 'string' ? metadata.name : undefined;
    const namespace = typeof metadata?.namespace === 'string' ? metadata.namespace : 'flux-system';
    if (apiVersion.startsWith(NOTIFICATION_GROUP) && kind === 'Alert') alerts.push({ value: parseAlert(value, file), ...scope });
    else if (apiVersion.startsWith(NOTIFICATION_GROUP) && kind === 'Provider') providers.push({ value: parseProvider(value, file), ...scope });
    else if (apiVersion.startsWith('source.toolkit.fluxcd.io/') && kind === 'GitRepository' && name) {
      const url = record(object?.spec)?.url;
      if (typeof url === 'string') repoUrls.set(kustomizationKey(cluster, namespace, name), url);
    } else if (apiVersion.startsWith('kustomize.toolkit.fluxcd.io/') && kind === 'Kustomization' && name) {
      const sourceRef = record(record(object?.spec)?.sourceRef);
      const sourceName = typeof sourceRef?.name === 'string' ? sourceRef.name : undefined;
      const sourceNamespace = typeof sourceRef?.namespace === 'string' ? sourceRef.namespace : namespace;
      pending.push({
        key: kustomizationKey(cluster, namespace, name),
        labels: stringMap(metadata?.labels),
        cluster,
        ...(sourceName && sourceRef?.kind === 'GitRepository' ? { sourceKey: `${sourceNamespace}/${sourceName}` } : {}),
      });
    }
  }
  const kustomizations = new Map<string, KustomizationFacts>();
  for (const item of pending) {
    const repoUrl = item.sourceKey ? (repoUrls.get(`${item.cluster ?? '*'}|${item.sourceKey}`) ?? repoUrls.get(`*|${item.sourceKey}`)) : undefined;
    kustomizations.set(item.key, { labels: item.labels, ...(repoUrl ? { repoUrl } : {}) });
  }
  return { alerts, providers, kustomizations };
}

/** Facts about a Kustomization on a cluster (the cluster's own object first, then a shared one). */
export function kustomizationFacts(config: AlertingConfig, cluster: string, namespace: string, name: string): KustomizationFacts | undefined {
  return config.kustomizations.get(kustomizationKey(cluster, namespace, name)) ?? config.kustomizations.get(kustomizationKey(undefined, namespace, name));
}

/** The Alerts that concern `cluster`. */
export function alertsFor(config: AlertingConfig, cluster: string): FluxAlert[] {
  return config.alerts.filter((a) => a.cluster === undefined || a.cluster === cluster).map((a) => a.value);
}

/**
 * The Provider an Alert of `cluster` refers to: same namespace as the Alert, the cluster's own
 * Provider first. Throws NotFoundError naming the Alert and the missing Provider.
 */
export function providerFor(config: AlertingConfig, cluster: string, alert: FluxAlert): FluxProvider {
  const wanted = (p: Scoped<FluxProvider>) => p.value.metadata.namespace === alert.metadata.namespace && p.value.metadata.name === alert.spec.providerRef.name;
  const found = config.providers.find((p) => wanted(p) && p.cluster === cluster) ?? config.providers.find((p) => wanted(p) && p.cluster === undefined);
  if (!found) {
    throw new NotFoundError(
      `Alert ${alert.metadata.namespace}/${alert.metadata.name}: Provider ${alert.metadata.namespace}/${alert.spec.providerRef.name} not found`,
    );
  }
  return found.value;
}

/**
 * Reads the alerting configuration from a fleet repo checkout (its Flux objects, with file paths
 * relative to `root` so `clusters/<name>/` scoping works).
 */
export async function loadAlertingConfig(root: string): Promise<AlertingConfig> {
  return buildAlertingConfig(await readFleetDocuments(root));
}
