/**
 * Flux `Receiver` (notification.toolkit.fluxcd.io/v1) parsing and webhook paths.
 *
 * Webhook receivers are configured exactly as for Flux, so a fleet repo's Receivers work as they
 * are: the type picks the verification scheme, `events` narrows what is accepted, `secretRef`
 * names the token. A receiver is reached at `/hook/<sha256(token + name + namespace)>`, the path
 * Flux's notification-controller computes, so the URL reveals neither the receiver nor the token.
 * Types and fields Tideline does not implement are refused by name, never ignored.
 */
import { createHash } from 'node:crypto';
import * as z from '#shared/zod.ts';
import { InvalidInputError } from '#shared/errors/index.ts';
import { isFluxKind, parseYamlDocuments, readFleetDocuments } from './fleet.ts';
import { fluxObjectSchema, nameOf, parseWithSchema, refuseUnsupportedSpecFields } from './flux-object.ts';
import { parseSecretValue } from './secret-value.ts';
import { DurationSchema } from './duration.ts';

export const RECEIVER_API_VERSIONS = ['notification.toolkit.fluxcd.io/v1', 'notification.toolkit.fluxcd.io/v1beta2'] as const;

/** Receiver types Tideline verifies. `gitea` (also Forgejo) is Tideline's addition to Flux's list. */
export const RECEIVER_TYPES = ['github', 'gitlab', 'bitbucket', 'gitea', 'generic-hmac'] as const;
export type ReceiverType = (typeof RECEIVER_TYPES)[number];

/** Flux receiver types Tideline refuses, with the reason shown to the user. */
const UNSUPPORTED_TYPES: Record<string, string> = {
  generic:
    // Flux's generic type trusts whoever knows the URL; Tideline answers 401 to every unsigned request.
    'the generic receiver authenticates nothing but the URL, and Tideline accepts only signed requests; use generic-hmac (any body, signed with an X-Signature HMAC)',
  'generic-oidc': 'OIDC-authenticated receivers are not supported; use generic-hmac',
  harbor: 'container registry receivers are not supported; Tideline reacts to Git pushes',
  dockerhub: 'container registry receivers are not supported; Tideline reacts to Git pushes',
  quay: 'container registry receivers are not supported; Tideline reacts to Git pushes',
  gcr: 'container registry receivers are not supported; Tideline reacts to Git pushes',
  nexus: 'container registry receivers are not supported; Tideline reacts to Git pushes',
  acr: 'container registry receivers are not supported; Tideline reacts to Git pushes',
  cdevents: 'CDEvents receivers are not supported; Tideline reacts to Git pushes',
};

/** Flux spec fields Tideline knows but does not implement. */
const UNSUPPORTED_SPEC_FIELDS: Record<string, string> = {
  resourceFilter: 'CEL resource filters are not supported; list the resources to notify instead',
  oidcProviders: 'OIDC-authenticated receivers are not supported; use generic-hmac',
};

const ResourceSchema = z.strictObject({
  apiVersion: z.optional(z.string()),
  kind: z.enum(['GitRepository', 'Kustomization', 'OCIRepository', 'Bucket']),
  name: z.string().check(z.minLength(1), z.maxLength(253)),
  namespace: z.optional(z.string().check(z.minLength(1), z.maxLength(253))),
  matchLabels: z.optional(z.record(z.string(), z.string())),
});

export const ReceiverSpecSchema = z.strictObject({
  type: z.enum(RECEIVER_TYPES),
  interval: z.optional(DurationSchema),
  events: z.optional(z.array(z.string().check(z.minLength(1)))),
  resources: z.array(ResourceSchema).check(z.minLength(1)),
  secretRef: z.strictObject({ name: z.string().check(z.minLength(1)) }),
  suspend: z.optional(z.boolean()),
});

export const ReceiverSchema = fluxObjectSchema(RECEIVER_API_VERSIONS, 'Receiver', ReceiverSpecSchema);

/** A validated Flux Receiver. */
export type FluxReceiver = z.infer<typeof ReceiverSchema>;

/**
 * Validates a Flux Receiver object. `file` names where it came from, for the error message.
 * Throws InvalidInputError naming the unsupported type or field.
 */
export function parseReceiver(value: unknown, file = '<inline>'): FluxReceiver {
  const name = nameOf(value);
  const spec = (value as { spec?: unknown } | null)?.spec;
  if (typeof spec === 'object' && spec !== null) {
    const type = (spec as { type?: unknown }).type;
    if (typeof type === 'string' && Object.hasOwn(UNSUPPORTED_TYPES, type)) {
      throw new InvalidInputError(`Receiver ${name}: spec.type ${type} is not supported: ${UNSUPPORTED_TYPES[type]}`, { source: { file } });
    }
    refuseUnsupportedSpecFields('Receiver', value, UNSUPPORTED_SPEC_FIELDS, file);
    const resources = (spec as { resources?: unknown }).resources;
    if (Array.isArray(resources)) {
      for (const [index, resource] of resources.entries()) {
        if (typeof resource === 'object' && resource !== null && 'filter' in resource) {
          throw new InvalidInputError(
            `Receiver ${name}: spec.resources[${index}].filter is not supported: CEL resource filters are not supported; list the resources to notify instead`,
            {
              source: { file },
            },
          );
        }
      }
    }
  }
  return parseWithSchema(ReceiverSchema, 'Receiver', value, file);
}

/**
 * The webhook path of a receiver: `/hook/` + hex SHA-256 of token, name and namespace
 * concatenated, as Flux computes it, so URLs configured for Flux keep working.
 */
export function receiverWebhookPath(token: string, name: string, namespace: string): string {
  return `/hook/${createHash('sha256')
    .update(token + name + namespace, 'utf8')
    .digest('hex')}`;
}

/**
 * Name under which a receiver's token is kept in the secret store: `<namespace>/<secretRef.name>`,
 * mirroring the Kubernetes Secret Flux would read (the AWS store adds its own prefix).
 */
export function receiverSecretName(receiver: FluxReceiver): string {
  return `${receiver.metadata.namespace}/${receiver.spec.secretRef.name}`;
}

/**
 * The token in a stored secret value: either the bare token, or a JSON object with a `token`
 * key (the shape of the Kubernetes Secret's data Flux reads).
 */
export function tokenFromSecretValue(value: string, secretName: string): string {
  const parsed = parseSecretValue(value, secretName);
  const token = parsed.kind === 'bare' ? parsed.value : parsed.data['token'];
  if (parsed.kind === 'data' && token === undefined) throw new InvalidInputError(`secret ${secretName}: JSON value has no "token" string`);
  if (!token) throw new InvalidInputError(`secret ${secretName}: the token is empty`);
  return token;
}

/** A receiver found in a file. */
export interface ReceiverInFile {
  receiver: FluxReceiver;
  file: string;
}

/**
 * Parses every Flux Receiver in a YAML text (multi-document), ignoring other kinds. Receivers of
 * another API group are left alone; a Receiver of Flux's group that Tideline cannot honour throws.
 */
export function parseReceiversFromYaml(text: string, file = '<inline>'): FluxReceiver[] {
  return parseYamlDocuments(text, file)
    .filter(({ value }) => isFluxKind(value, 'notification', 'Receiver'))
    .map(({ value }) => parseReceiver(value, file));
}

/** Finds every Flux Receiver in the YAML files under `dir` (sorted by path, skipping dot-directories). */
export async function findReceivers(dir: string): Promise<ReceiverInFile[]> {
  const found: ReceiverInFile[] = [];
  for (const { value, file } of await readFleetDocuments(dir)) {
    if (isFluxKind(value, 'notification', 'Receiver')) found.push({ receiver: parseReceiver(value, file), file });
  }
  const seen = new Map<string, string>();
  for (const { receiver, file } of found) {
    const key = `${receiver.metadata.namespace}/${receiver.metadata.name}`;
    const previous = seen.get(key);
    if (previous)
      throw new InvalidInputError(`Receiver ${receiver.metadata.name} in ns ${receiver.metadata.namespace} is defined twice (also in ${previous})`, {
        source: { file },
      });
    seen.set(key, file);
  }
  return found;
}
