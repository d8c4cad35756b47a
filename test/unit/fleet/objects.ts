// Builders of the Flux objects the fleet tests feed to the pure fleet functions.
import type { KubeObject } from '#shared/kube/objects.ts';
import { classifyRendered, createFleetSnapshot, syntheticRoot, type ClassifiedBundle, type FleetSnapshot } from '#shared/fleet/index.ts';

export const FLEET_SOURCE = { kind: 'GitRepository' as const, namespace: 'flux-system', name: 'flux-system' };

/** A Flux Kustomization as a rendered object. */
export function kustomization(name: string, spec: Record<string, unknown> = {}, namespace = 'flux-system'): KubeObject {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace },
    spec: { interval: '10m', path: `./${name}`, prune: true, sourceRef: { kind: 'GitRepository', name: 'flux-system' }, ...spec },
  };
}

/** A Flux GitRepository as a rendered object. */
export function gitRepository(name: string, namespace = 'flux-system', ref: Record<string, string> = { branch: 'main' }): KubeObject {
  return {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name, namespace },
    spec: { interval: '1m', url: `https://git.example.com/${name}.git`, ref },
  };
}

/** A Flux Alert. */
export function alert(name: string, severity = 'error'): KubeObject {
  return {
    apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
    kind: 'Alert',
    metadata: { name, namespace: 'flux-system' },
    spec: { providerRef: { name: 'slack' }, eventSeverity: severity, eventSources: [{ kind: 'Kustomization', name: '*' }] },
  };
}

/** A plain workload object. */
export function configMap(name: string, namespace = 'default'): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { key: 'value' } };
}

/** The classified bundle of `objects` rendered by `owner` of cluster `dev`, each object defined in `file`. */
export function bundle(owner: string, objects: KubeObject[], file = `clusters/dev/${owner.split('/')[1]}.yaml`): ClassifiedBundle {
  return classifyRendered(objects, { cluster: 'dev', owner, fileOf: () => file });
}

/** A snapshot holding cluster `dev` with its synthetic root flux-system/flux-system. */
export function devSnapshot(): FleetSnapshot {
  return createFleetSnapshot([{ cluster: 'dev', origin: 'synthetic', kustomization: syntheticRoot('dev', FLEET_SOURCE) }]);
}
