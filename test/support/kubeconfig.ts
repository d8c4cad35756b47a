// Kubeconfigs naming several test clusters, one context each, for the tests that reach a fleet.

/** One cluster of a kubeconfig: its name (also its context's and user's), API server, CA and token. */
export interface KubeconfigCluster {
  name: string;
  server: string;
  caData: string;
  token: string;
}

/** A kubeconfig (as an object, to be written as JSON or YAML) with a context per cluster, `current` the current one. */
export function fleetKubeconfig(clusters: readonly KubeconfigCluster[], current: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: clusters.map((c) => ({ name: c.name, cluster: { server: c.server, 'certificate-authority-data': c.caData } })),
    users: clusters.map((c) => ({ name: c.name, user: { token: c.token } })),
    contexts: clusters.map((c) => ({ name: c.name, context: { cluster: c.name, user: c.name } })),
    'current-context': current,
  };
}
