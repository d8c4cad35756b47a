/**
 * Splitting a rendered bundle into what Tideline reads as configuration, what it applies, and
 * what it leaves alone.
 *
 * Flux reconciles the Flux objects a Kustomization renders by applying them to the cluster, where
 * its controllers pick them up. Tideline has no controllers in the cluster (and the cluster has no
 * Flux CRDs), so a Flux object is never applied: the known kinds become the cluster's
 * configuration, the others are listed as not supported yet, and Flux's own controllers
 * (`gotk-components.yaml`) are skipped with one line saying so.
 */
import { InvalidInputError } from '#shared/errors/index.ts';
import { groupOf, type KubeObject } from '#shared/kube/objects.ts';
import { parseKustomization, type FluxKustomization } from '#shared/config/kustomization.ts';
import { parseAlert, type FluxAlert } from '#shared/config/alert.ts';
import { parseProvider, type FluxProvider } from '#shared/config/provider.ts';
import { parseReceiver, type FluxReceiver } from '#shared/config/receiver.ts';
import { readKustomizeControllerOptions, type KustomizeControllerOptions } from './controller.ts';
import { configKindOf, isFluxComponent, isFluxGroup, parseGitRepositoryEnvelope, type FleetGitRepository, type FleetKey } from './objects.ts';

/** A configuration object and the file it came from, when known. */
export interface Found<T> {
  object: T;
  file?: string;
}

/** The Flux objects of a bundle that are Tideline's configuration, validated. */
export interface FleetConfigObjects {
  kustomizations: Found<FluxKustomization>[];
  gitRepositories: Found<FleetGitRepository>[];
  alerts: Found<FluxAlert>[];
  providers: Found<FluxProvider>[];
  receivers: Found<FluxReceiver>[];
}

/** A Flux object Tideline does not reconcile yet, by name. */
export interface UnsupportedFluxObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  /** Why, when it is not simply the kind (e.g. a Kustomization following an OCIRepository). */
  reason: string;
  file?: string;
}

/** One line naming an unsupported object, its file and why: `HelmRelease podinfo/podinfo (apps/base/podinfo/release.yaml): not supported yet: Helm releases are not supported yet`. */
export function describeUnsupported(object: UnsupportedFluxObject): string {
  const name = object.namespace ? `${object.namespace}/${object.name}` : object.name;
  return `${object.kind} ${name}${object.file ? ` (${object.file})` : ''}: not supported yet: ${object.reason}`;
}

/** Identity of a Flux object that failed validation: the tree keeps its previous version. */
export interface InvalidFluxObject {
  kind: string;
  name: string;
  namespace: string;
}

/** What a bundle holds, split. */
export interface ClassifiedBundle {
  config: FleetConfigObjects;
  /** What the apply engine applies: everything that is neither a Flux object nor part of Flux's installation. */
  workload: KubeObject[];
  /** Flux's own controllers, never applied. `summary` is empty when there were none. */
  fluxComponents: {
    count: number;
    summary: string;
    /** `namespace/name` of the controllers' ServiceAccounts (a Kustomization's `serviceAccountName` may name one). */
    serviceAccounts: string[];
    /** What the (patched) kustomize-controller Deployment's flags say, when the bundle has one. */
    kustomizeController?: KustomizeControllerOptions;
  };
  unsupported: UnsupportedFluxObject[];
  /** Flux objects that failed validation, each naming the object and file; the rest of the bundle is unaffected. */
  errors: InvalidInputError[];
  /** The identities of `errors`, in the same order. */
  invalid: InvalidFluxObject[];
}

/** Where a bundle came from. */
export interface BundleOrigin {
  cluster: string;
  /** The Kustomization that rendered the bundle. */
  owner: FleetKey;
  /** What errors and the summary name as the place, e.g. the owner's path, when `fileOf` knows nothing better. */
  file?: string;
  /** The file an object was defined in (see `locateFluxObjects`), when the caller knows. */
  fileOf?: (object: KubeObject) => string | undefined;
}

export interface ClassifyOptions {
  /**
   * Validates a GitRepository beyond its envelope (the Git engine's parser). Its InvalidInputError
   * lands in `errors` like any other invalid object.
   */
  parseGitRepository?: (value: unknown, file: string) => unknown;
}

/** Flux kinds with a reason more precise than "not supported yet". */
const UNSUPPORTED_REASONS: Record<string, string> = {
  HelmRelease: 'Helm releases are not supported yet',
  HelmRepository: 'Helm repositories are not supported yet',
  HelmChart: 'Helm charts are not supported yet',
  OCIRepository: 'OCI sources are not supported yet',
  Bucket: 'Bucket sources are not supported yet',
  ExternalArtifact: 'external artifacts are not supported yet',
  ArtifactGenerator: 'artifact generators are not supported yet',
  ImageRepository: 'image automation is not supported yet',
  ImagePolicy: 'image automation is not supported yet',
  ImageUpdateAutomation: 'image automation is not supported yet',
};

function describeWhere(origin: BundleOrigin): string {
  return origin.file ? `${origin.file}, rendered by Kustomization ${origin.owner}` : `rendered by Kustomization ${origin.owner}`;
}

function refOf(object: KubeObject): InvalidFluxObject {
  return { kind: object.kind, name: object.metadata.name, namespace: object.metadata.namespace ?? 'flux-system' };
}

/**
 * Classifies the objects of a rendered bundle (see the module comment). Never throws for one bad
 * Flux object: its InvalidInputError (naming the object and file) goes to `errors` and the rest of
 * the bundle is classified, so the caller decides what an invalid child means.
 */
export function classifyRendered(objects: readonly KubeObject[], origin: BundleOrigin, options: ClassifyOptions = {}): ClassifiedBundle {
  const config: FleetConfigObjects = { kustomizations: [], gitRepositories: [], alerts: [], providers: [], receivers: [] };
  const result: ClassifiedBundle = {
    config,
    workload: [],
    fluxComponents: { count: 0, summary: '', serviceAccounts: [] },
    unsupported: [],
    errors: [],
    invalid: [],
  };
  const components: KubeObject[] = [];
  for (const object of objects) {
    const group = groupOf(object.apiVersion);
    if (!isFluxGroup(group)) {
      if (isFluxComponent(object)) {
        components.push(object);
        result.fluxComponents.count++;
        if (object.kind === 'ServiceAccount' && object.apiVersion === 'v1')
          result.fluxComponents.serviceAccounts.push(`${object.metadata.namespace ?? 'default'}/${object.metadata.name}`);
      } else {
        result.workload.push(object);
      }
      continue;
    }
    const file = origin.fileOf?.(object) ?? origin.file ?? `<rendered by Kustomization ${origin.owner}>`;
    const kind = configKindOf(object);
    const located = file.startsWith('<') ? {} : { file };
    if (kind === undefined) {
      result.unsupported.push({
        apiVersion: object.apiVersion,
        kind: object.kind,
        name: object.metadata.name,
        ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
        reason: UNSUPPORTED_REASONS[object.kind] ?? `${object.kind} (${group}) is not supported yet`,
        ...located,
      });
      continue;
    }
    if (kind === 'Kustomization') {
      // A Kustomization whose source Tideline cannot fetch cannot reconcile: it is listed by name
      // instead of failing validation, so the rest of a real Flux fleet still works.
      const sourceRef = (object as { spec?: { sourceRef?: { kind?: unknown; name?: unknown } } }).spec?.sourceRef;
      const sourceKind = sourceRef?.kind;
      if (typeof sourceKind === 'string' && sourceKind !== 'GitRepository') {
        result.unsupported.push({
          apiVersion: object.apiVersion,
          kind: object.kind,
          name: object.metadata.name,
          namespace: object.metadata.namespace ?? 'flux-system',
          reason: `it follows ${sourceKind} ${String(sourceRef?.name ?? '?')}: ${UNSUPPORTED_REASONS[sourceKind] ?? `${sourceKind} sources are not supported yet`} (only GitRepository sources are)`,
          ...located,
        });
        continue;
      }
    }
    try {
      switch (kind) {
        case 'Kustomization':
          config.kustomizations.push({ object: parseKustomization(object, file), ...located });
          break;
        case 'GitRepository': {
          const envelope = parseGitRepositoryEnvelope(object, file);
          options.parseGitRepository?.(object, file);
          config.gitRepositories.push({ object: envelope, ...located });
          break;
        }
        case 'Alert':
          config.alerts.push({ object: parseAlert(object, file), ...located });
          break;
        case 'Provider':
          config.providers.push({ object: parseProvider(object, file), ...located });
          break;
        case 'Receiver':
          config.receivers.push({ object: parseReceiver(object, file), ...located });
          break;
      }
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      result.errors.push(error);
      result.invalid.push(refOf(object));
    }
  }
  if (result.fluxComponents.count > 0) {
    const options = readKustomizeControllerOptions(components);
    if (options) result.fluxComponents.kustomizeController = options;
    result.fluxComponents.summary = `skipped ${result.fluxComponents.count} objects of Flux's own controllers (${describeWhere(origin)}): Tideline runs outside the cluster, so Flux's controllers, CRDs and namespace are not applied`;
  }
  return result;
}
