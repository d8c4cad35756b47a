/**
 * Flux `Kustomization` (kustomize.toolkit.fluxcd.io/v1) parsing.
 *
 * Tideline reads the fleet's Kustomization objects as Flux writes them, so a Flux user switches
 * without rewriting anything. Fields Tideline does not implement are refused by name: silently
 * ignoring e.g. `kubeConfig` would apply to a cluster the user did not mean.
 */
import * as z from 'zod';
import { fluxObjectSchema, parseWithSchema, refuseUnsupportedSpecFields } from './flux-object.ts';
import { celExpressionProblem } from '#shared/kube/health-exprs.ts';
import { groupOf } from '#shared/kube/objects.ts';

export const KUSTOMIZATION_API_VERSIONS = ['kustomize.toolkit.fluxcd.io/v1', 'kustomize.toolkit.fluxcd.io/v1beta2'] as const;

/** Flux duration strings such as `10m`, `1h30m`, `30s`. */
export const DurationSchema = z.string().regex(/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/, 'a duration such as 30s, 5m or 1h');

/** Converts a Flux/Go duration string to milliseconds. */
export function durationToMs(duration: string): number {
  let total = 0;
  for (const match of duration.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g)) {
    const value = Number(match[1]);
    const unit = match[2];
    total += value * (unit === 'ms' ? 1 : unit === 's' ? 1_000 : unit === 'm' ? 60_000 : 3_600_000);
  }
  return Math.round(total);
}

/** A kustomize `images` entry. */
export const ImageSchema = z.strictObject({
  name: z.string().min(1),
  newName: z.string().optional(),
  newTag: z.string().optional(),
  digest: z.string().optional(),
});
export type ImageOverride = z.infer<typeof ImageSchema>;

/** A kustomize patch target selector. */
export const PatchTargetSchema = z.strictObject({
  group: z.string().optional(),
  version: z.string().optional(),
  kind: z.string().optional(),
  name: z.string().optional(),
  namespace: z.string().optional(),
  labelSelector: z.string().optional(),
  annotationSelector: z.string().optional(),
});
export type PatchTarget = z.infer<typeof PatchTargetSchema>;

export const InlinePatchSchema = z.strictObject({ patch: z.string().min(1), target: PatchTargetSchema.optional() });

const CrossNamespaceRefSchema = z.strictObject({
  apiVersion: z.string().optional(),
  kind: z.enum(['GitRepository', 'OCIRepository', 'Bucket']),
  name: z.string().min(1),
  namespace: z.string().optional(),
});

const SubstituteFromSchema = z.strictObject({
  kind: z.enum(['ConfigMap', 'Secret']),
  name: z.string().min(1),
  optional: z.boolean().optional(),
});

const HealthCheckSchema = z.strictObject({
  apiVersion: z.string().optional(),
  kind: z.string().min(1),
  name: z.string().min(1),
  namespace: z.string().optional(),
});

/** A CEL expression of `healthCheckExprs`, parsed when the Kustomization is read (as Flux does). */
const CelExpressionSchema = z.string().superRefine((expression, ctx) => {
  const problem = celExpressionProblem(expression);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
/** An optional expression: Flux treats an empty one as absent. */
const OptionalCelExpressionSchema = z.string().superRefine((expression, ctx) => {
  const problem = expression === '' ? undefined : celExpressionProblem(expression);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** A Flux `healthCheckExprs` entry: CEL readiness rules for custom resources of a group (and kind). */
const HealthCheckExprSchema = z.strictObject({
  apiVersion: z.string().min(1),
  kind: z.string().min(1).optional(),
  current: CelExpressionSchema,
  inProgress: OptionalCelExpressionSchema.optional(),
  failed: OptionalCelExpressionSchema.optional(),
});

/** Only the group of an entry's apiVersion counts, so two entries for one group and kind conflict. */
const HealthCheckExprsSchema = z.array(HealthCheckExprSchema).superRefine((entries, ctx) => {
  const seen = new Map<string, number>();
  entries.forEach((entry, index) => {
    const group = groupOf(entry.apiVersion);
    const key = `${group}/${entry.kind ?? '*'}`;
    const first = seen.get(key);
    if (first !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: [index],
        message: `a second entry for API group '${group}' and kind ${entry.kind ?? '(any)'} (the first is entry ${first})`,
      });
    else seen.set(key, index);
  });
});

/** Flux fields Tideline knows but does not implement: refused with this explanation. */
const UNSUPPORTED_SPEC_FIELDS: Record<string, string> = {
  kubeConfig: 'the target cluster comes from the directory (clusters/<name>/) and the cluster registry, not from spec.kubeConfig',
  ignoreMissingComponents: 'ignoreMissingComponents is not supported',
  buildMetadata: 'buildMetadata (origin and transformer annotations) is not supported',
};

export const KustomizationSpecSchema = z.strictObject({
  interval: DurationSchema,
  retryInterval: DurationSchema.optional(),
  timeout: DurationSchema.optional(),
  path: z.string().optional(),
  prune: z.boolean(),
  sourceRef: CrossNamespaceRefSchema,
  targetNamespace: z.string().max(63).optional(),
  namePrefix: z.string().max(200).optional(),
  nameSuffix: z.string().max(200).optional(),
  images: z.array(ImageSchema).optional(),
  patches: z.array(InlinePatchSchema).optional(),
  components: z.array(z.string().min(1)).optional(),
  /** SOPS decryption of the rendered objects; keys come from `secretRef` (`*.agekey` entries) or ambient AWS KMS access. */
  decryption: z.strictObject({ provider: z.literal('sops'), secretRef: z.strictObject({ name: z.string().min(1) }).optional() }).optional(),
  postBuild: z
    .strictObject({
      substitute: z.record(z.string(), z.string()).optional(),
      substituteFrom: z.array(SubstituteFromSchema).optional(),
    })
    .optional(),
  wait: z.boolean().optional(),
  healthChecks: z.array(HealthCheckSchema).optional(),
  /** CEL expressions judging the readiness of custom resources in the health wait. */
  healthCheckExprs: HealthCheckExprsSchema.optional(),
  /** Fields of applied objects left to other managers (JSON pointers, optional target). */
  ignore: z
    .array(
      z.strictObject({
        paths: z.array(z.string().regex(/^\/./, 'a JSON pointer starting with /')).min(1),
        // Flux selects the ignored objects with the same kustomize selector as a patch target.
        target: PatchTargetSchema.optional(),
      }),
    )
    .optional(),
  force: z.boolean().optional(),
  /** What happens to the applied objects when the Kustomization is removed (see shared/kube/finalize.ts). */
  deletionPolicy: z.enum(['MirrorPrune', 'Delete', 'WaitForTermination', 'Orphan']).optional(),
  /** Labels and annotations set on every applied object (overriding the object's own). */
  commonMetadata: z.strictObject({ labels: z.record(z.string(), z.string()).optional(), annotations: z.record(z.string(), z.string()).optional() }).optional(),
  /** The service account (in the Kustomization's namespace) every write is made as. */
  serviceAccountName: z.string().min(1).max(253).optional(),
  suspend: z.boolean().optional(),
  dependsOn: z.array(z.strictObject({ name: z.string().min(1), namespace: z.string().optional() })).optional(),
});

export const KustomizationSchema = fluxObjectSchema(KUSTOMIZATION_API_VERSIONS, 'Kustomization', KustomizationSpecSchema);

/** A validated Flux Kustomization. */
export type FluxKustomization = z.infer<typeof KustomizationSchema>;
export type KustomizationSpec = FluxKustomization['spec'];

/**
 * Validates a Flux Kustomization object. `file` names where it came from, for the error message.
 * Throws InvalidInputError naming the unsupported or invalid field.
 */
export function parseKustomization(value: unknown, file = '<inline>'): FluxKustomization {
  refuseUnsupportedSpecFields('Kustomization', value, UNSUPPORTED_SPEC_FIELDS, file);
  return parseWithSchema(KustomizationSchema, 'Kustomization', value, file);
}
