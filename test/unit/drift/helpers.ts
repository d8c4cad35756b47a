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

/** The bootstrap GitRepository `flux-system/flux-system` following the main branch of `url`, as TIDELINE_BOOTSTRAP holds it. */
export function bootstrapJson(url: string): string {
  const metadata = { name: 'flux-system', namespace: 'flux-system' };
  return JSON.stringify({ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata, spec: { url, interval: '1m', ref: { branch: 'main' } } });
}
