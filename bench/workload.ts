// The synthetic application both the apply and the drift benchmarks deploy: a ConfigMap, an
// optional Secret, a two-replica Deployment and its Service per app, labelled `app: app-<i>`. Each
// object gets its own label maps: the apply path may add labels to an object it is given.
import type { KubeObject } from '#shared/kube/index.ts';

export interface BenchAppOptions {
  /** The ConfigMap's `settings.yaml`. */
  settings: string;
  /** A `password` for an Opaque Secret `<app>-secret`; without it the app has no Secret. */
  password?: string;
  /** Whether the container takes its environment from the ConfigMap. */
  envFromConfig?: boolean;
}

/** The objects of app number `i` in namespace `ns`, in apply order. */
export function benchApp(ns: string, i: number, options: BenchAppOptions): KubeObject[] {
  const app = `app-${i}`;
  const objects: KubeObject[] = [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${app}-config`, namespace: ns, labels: { app } },
      data: { 'settings.yaml': options.settings, LOG_LEVEL: 'info' },
    },
  ];
  if (options.password !== undefined) {
    objects.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `${app}-secret`, namespace: ns, labels: { app } },
      type: 'Opaque',
      stringData: { password: options.password },
    });
  }
  const container = {
    name: 'main',
    image: `registry.example.com/${app}:1.0.${i}`,
    ports: [{ containerPort: 8080 }],
    ...(options.envFromConfig ? { envFrom: [{ configMapRef: { name: `${app}-config` } }] } : {}),
    resources: { requests: { cpu: '100m', memory: '64Mi' } },
  };
  objects.push(
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: app, namespace: ns, labels: { app } },
      spec: { replicas: 2, selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec: { containers: [container] } } },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: app, namespace: ns, labels: { app } },
      spec: { selector: { app }, ports: [{ port: 80, targetPort: 8080 }] },
    },
  );
  return objects;
}
