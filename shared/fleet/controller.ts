/**
 * The settings of Flux's kustomize-controller that a fleet repo carries in its own
 * `flux-system/kustomization.yaml`: Flux's multi-tenancy lockdown patches the controller's
 * Deployment with `--no-cross-namespace-refs=true` and `--default-service-account=default`.
 * Tideline never applies that Deployment, but it honours what the patches say, so a locked-down
 * fleet stays locked down: a tenant's Kustomization without `serviceAccountName` acts as the
 * default service account of its namespace, and a cross-namespace `sourceRef` is refused.
 */
import type { KubeObject } from '#shared/kube/objects.ts';
import type { FluxKustomization } from '#shared/config/kustomization.ts';

/** What kustomize-controller's flags say about how Kustomizations reconcile. */
export interface KustomizeControllerOptions {
  /** `--default-service-account`: impersonated by Kustomizations without `serviceAccountName`. */
  defaultServiceAccount?: string;
  /** `--no-cross-namespace-refs`: a `sourceRef` to another namespace is refused. */
  noCrossNamespaceRefs?: boolean;
  /** `--no-remote-bases`: Tideline's renderer refuses remote bases anyway. */
  noRemoteBases?: boolean;
}

function flagValue(args: readonly string[], flag: string): string | undefined {
  let value: string | undefined;
  args.forEach((arg, index) => {
    if (arg === `--${flag}` || arg === `-${flag}`) {
      const next = args[index + 1];
      // A string flag takes the next argument; a boolean flag alone means true.
      value = next !== undefined && !next.startsWith('-') ? next : 'true';
    } else if (arg.startsWith(`--${flag}=`) || arg.startsWith(`-${flag}=`)) {
      value = arg.slice(arg.indexOf('=') + 1);
    }
  });
  return value;
}

function isTrue(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  return ['true', '1', 't', 'TRUE', 'True', 'T'].includes(value);
}

/**
 * The options of the kustomize-controller Deployment among Flux's own objects (its `manager`
 * container's args, as rendered with the repo's patches); undefined when the bundle has none.
 */
export function readKustomizeControllerOptions(components: readonly KubeObject[]): KustomizeControllerOptions | undefined {
  const deployment = components.find((object) => object.kind === 'Deployment' && object.metadata.name === 'kustomize-controller');
  if (!deployment) return undefined;
  const containers =
    (deployment as { spec?: { template?: { spec?: { containers?: { name?: string; args?: unknown }[] } } } }).spec?.template?.spec?.containers ?? [];
  const manager = containers.find((container) => container.name === 'manager') ?? containers[0];
  const args = Array.isArray(manager?.args) ? manager.args.filter((arg): arg is string => typeof arg === 'string') : [];
  const options: KustomizeControllerOptions = {};
  const defaultServiceAccount = flagValue(args, 'default-service-account');
  if (defaultServiceAccount) options.defaultServiceAccount = defaultServiceAccount;
  const noCrossNamespaceRefs = isTrue(flagValue(args, 'no-cross-namespace-refs'));
  if (noCrossNamespaceRefs !== undefined) options.noCrossNamespaceRefs = noCrossNamespaceRefs;
  const noRemoteBases = isTrue(flagValue(args, 'no-remote-bases'));
  if (noRemoteBases !== undefined) options.noRemoteBases = noRemoteBases;
  return options;
}

/** Who a Kustomization's writes are made as. */
export type ReconcileIdentity = { impersonate: false; reason: string } | { impersonate: true; namespace: string; name: string; reason: string };

/**
 * The service account a Kustomization acts as, as kustomize-controller picks it: its own
 * `serviceAccountName`, else the controller's `--default-service-account`, in the Kustomization's
 * namespace. One of Flux's own controller accounts (e.g. `flux-system/kustomize-controller`, which
 * Flux binds to cluster-admin and which does not exist without gotk-components) means Tideline's
 * own identity: Tideline is the controller.
 */
export function reconcileIdentity(
  kustomization: FluxKustomization,
  options: KustomizeControllerOptions = {},
  fluxServiceAccounts: readonly string[] = [],
): ReconcileIdentity {
  const namespace = kustomization.metadata.namespace;
  const own = kustomization.spec.serviceAccountName;
  const name = own ?? options.defaultServiceAccount;
  if (name === undefined) return { impersonate: false, reason: 'no serviceAccountName and no default service account' };
  if (fluxServiceAccounts.includes(`${namespace}/${name}`))
    return { impersonate: false, reason: `${namespace}/${name} is one of Flux's own controllers, whose work Tideline does` };
  return { impersonate: true, namespace, name, reason: own !== undefined ? 'spec.serviceAccountName' : "kustomize-controller's --default-service-account" };
}

/**
 * kustomize-controller's refusal of a cross-namespace `sourceRef` under `--no-cross-namespace-refs`,
 * in its words; undefined when the reference is allowed.
 */
export function crossNamespaceRefProblem(kustomization: FluxKustomization, options: KustomizeControllerOptions = {}): string | undefined {
  const ref = kustomization.spec.sourceRef;
  const namespace = ref.namespace ?? kustomization.metadata.namespace;
  if (!options.noCrossNamespaceRefs || namespace === kustomization.metadata.namespace) return undefined;
  return `can't access '${ref.kind}/${namespace}/${ref.name}', cross-namespace references have been blocked`;
}
