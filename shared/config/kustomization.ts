/**
 * Flux `Kustomization` (kustomize.toolkit.fluxcd.io/v1) parsing.
 *
 * Tideline reads the fleet's Kustomization objects as Flux writes them, so a Flux user switches
 * without rewriting anything. Fields Tideline does not implement are refused by name: silently
 * ignoring e.g. `kubeConfig` would apply to a cluster the user did not mean.
 */
import * as z from '#shared/zod.ts';
import { fluxObjectSchema, parseWithSchema, refuseUnsupportedSpecFields } from './flux-object.ts';
import { celExpressionProblem } from '#shared/kube/health-exprs.ts';
import { groupOf } from '#shared/kube/objects.ts';
import { DurationSchema } from './duration.ts';
import { clusterOfFile, isFluxKind, readFleetDocuments } from './fleet.ts';

export const KUSTOMIZATION_API_VERSIONS = ['kustomize.toolkit.fluxcd.io/v1', 'kustomize.toolkit.fluxcd.io/v1beta2'] as const;

/** A kustomize `images` entry. */
export const ImageSchema = z.strictObject({
  name: z.string().check(z.minLength(1)),
  newName: z.optional(z.string()),
  newTag: z.optional(z.string()),
  digest: z.optional(z.string()),
});
export type ImageOverride = z.infer<typeof ImageSchema>;

/** A kustomize patch target selector. */
export const PatchTargetSchema = z.strictObject({
  group: z.optional(z.string()),
  version: z.optional(z.string()),
  kind: z.optional(z.string()),
  name: z.optional(z.string()),
  namespace: z.optional(z.string()),
  labelSelector: z.optional(z.string()),
  annotationSelector: z.optional(z.string()),
});
export type PatchTarget = z.infer<typeof PatchTargetSchema>;

export const InlinePatchSchema = z.strictObject({ patch: z.string().check(z.minLength(1)), target: z.optional(PatchTargetSchema) });

const CrossNamespaceRefSchema = z.strictObject({
  apiVersion: z.optional(z.string()),
  kind: z.enum(['GitRepository', 'OCIRepository', 'Bucket']),
  name: z.string().check(z.minLength(1)),
  namespace: z.optional(z.string()),
});

const SubstituteFromSchema = z.strictObject({
  kind: z.enum(['ConfigMap', 'Secret']),
  name: z.string().check(z.minLength(1)),
  optional: z.optional(z.boolean()),
});

const HealthCheckSchema = z.strictObject({
  apiVersion: z.optional(z.string()),
  kind: z.string().check(z.minLength(1)),
  name: z.string().check(z.minLength(1)),
  namespace: z.optional(z.string()),
});

/** A CEL expression of `healthCheckExprs`, parsed when the Kustomization is read (as Flux does). */
const CelExpressionSchema = z.string().check(
  z.superRefine((expression, ctx) => {
    const problem = celExpressionProblem(expression);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
);
/** An optional expression: Flux treats an empty one as absent. */
const OptionalCelExpressionSchema = z.string().check(
  z.superRefine((expression, ctx) => {
    const problem = expression === '' ? undefined : celExpressionProblem(expression);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
);

/** A Flux `healthCheckExprs` entry: CEL readiness rules for custom resources of a group (and kind). */
const HealthCheckExprSchema = z.strictObject({
  apiVersion: z.string().check(z.minLength(1)),
  kind: z.optional(z.string().check(z.minLength(1))),
  current: CelExpressionSchema,
  inProgress: z.optional(OptionalCelExpressionSchema),
  failed: z.optional(OptionalCelExpressionSchema),
});

/** Only the group of an entry's apiVersion counts, so two entries for one group and kind conflict. */
const HealthCheckExprsSchema = z.array(HealthCheckExprSchema).check(
  z.superRefine((entries, ctx) => {
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
  }),
);

/** Flux fields Tideline knows but does not implement: refused with this explanation. */
const UNSUPPORTED_SPEC_FIELDS: Record<string, string> = {
  kubeConfig: 'the target cluster comes from the directory (clusters/<name>/) and the cluster registry, not from spec.kubeConfig',
  ignoreMissingComponents: 'ignoreMissingComponents is not supported',
  buildMetadata: 'buildMetadata (origin and transformer annotations) is not supported',
};

export const KustomizationSpecSchema = z.strictObject({
  interval: DurationSchema,
  retryInterval: z.optional(DurationSchema),
  timeout: z.optional(DurationSchema),
  path: z.optional(z.string()),
  prune: z.boolean(),
  sourceRef: CrossNamespaceRefSchema,
  targetNamespace: z.optional(z.string().check(z.maxLength(63))),
  namePrefix: z.optional(z.string().check(z.maxLength(200))),
  nameSuffix: z.optional(z.string().check(z.maxLength(200))),
  images: z.optional(z.array(ImageSchema)),
  patches: z.optional(z.array(InlinePatchSchema)),
  components: z.optional(z.array(z.string().check(z.minLength(1)))),
  /** SOPS decryption of the rendered objects; keys come from `secretRef` (`*.agekey` entries) or ambient AWS KMS access. */
  decryption: z.optional(z.strictObject({ provider: z.literal('sops'), secretRef: z.optional(z.strictObject({ name: z.string().check(z.minLength(1)) })) })),
  postBuild: z.optional(
    z.strictObject({
      substitute: z.optional(z.record(z.string(), z.string())),
      substituteFrom: z.optional(z.array(SubstituteFromSchema)),
    }),
  ),
  wait: z.optional(z.boolean()),
  healthChecks: z.optional(z.array(HealthCheckSchema)),
  /** CEL expressions judging the readiness of custom resources in the health wait. */
  healthCheckExprs: z.optional(HealthCheckExprsSchema),
  /** Fields of applied objects left to other managers (JSON pointers, optional target). */
  ignore: z.optional(
    z.array(
      z.strictObject({
        paths: z.array(z.string().check(z.regex(/^\/./, 'a JSON pointer starting with /'))).check(z.minLength(1)),
        // Flux selects the ignored objects with the same kustomize selector as a patch target.
        target: z.optional(PatchTargetSchema),
      }),
    ),
  ),
  force: z.optional(z.boolean()),
  /** What happens to the applied objects when the Kustomization is removed (see shared/kube/finalize.ts). */
  deletionPolicy: z.optional(z.enum(['MirrorPrune', 'Delete', 'WaitForTermination', 'Orphan'])),
  /** Labels and annotations set on every applied object (overriding the object's own). */
  commonMetadata: z.optional(
    z.strictObject({ labels: z.optional(z.record(z.string(), z.string())), annotations: z.optional(z.record(z.string(), z.string())) }),
  ),
  /** The service account (in the Kustomization's namespace) every write is made as. */
  serviceAccountName: z.optional(z.string().check(z.minLength(1), z.maxLength(253))),
  suspend: z.optional(z.boolean()),
  dependsOn: z.optional(z.array(z.strictObject({ name: z.string().check(z.minLength(1)), namespace: z.optional(z.string()) }))),
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

/** A Flux Kustomization of the fleet and the cluster directory it was found in. */
export interface FleetKustomization {
  cluster: string;
  kustomization: FluxKustomization;
  file: string;
}

/**
 * The Flux Kustomizations under `clusters/<name>/` of a fleet repo, validated (InvalidInputError
 * naming the file and field), in path order. Kustomizations elsewhere belong to no cluster and are ignored.
 */
export async function findFleetKustomizations(root: string): Promise<FleetKustomization[]> {
  const found: FleetKustomization[] = [];
  for (const { value, file } of await readFleetDocuments(root)) {
    const cluster = clusterOfFile(file);
    if (cluster !== undefined && isFluxKind(value, 'kustomize', 'Kustomization')) found.push({ cluster, kustomization: parseKustomization(value, file), file });
  }
  return found;
}
