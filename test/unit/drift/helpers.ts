// Small factories of the drift unit tests.
import { parseKustomization, type FluxKustomization } from '#shared/config/kustomization.ts';

/** A Flux Kustomization `flux-system/<name>` with the given annotations. */
export function fluxKustomizationFor(name: string, annotations?: Record<string, string>): FluxKustomization {
  return parseKustomization({
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace: 'flux-system', ...(annotations ? { annotations } : {}) },
    spec: { interval: '10m', path: './apps', prune: true, sourceRef: { kind: 'GitRepository', name: 'flux-system' } },
  });
}
