/**
 * Flux `Provider` (notification.toolkit.fluxcd.io/v1beta3) parsing.
 *
 * A Provider says where notifications go. Tideline implements the types most fleets use:
 * `slack` (incoming webhook, or `chat.postMessage` with a bot token), `generic` and `generic-hmac`
 * webhooks (the Flux event as JSON), and `github` / `gitlab` commit statuses. Every other Flux type
 * and every field Tideline does not implement is refused by name, so a Provider never silently
 * does less than its author expects.
 */
import * as z from '#shared/zod.ts';
import { InvalidInputError } from '#shared/errors/index.ts';
import { DurationSchema, durationToMs } from './duration.ts';
import { fluxObjectSchema, parseWithSchema, refuseUnsupportedSpecFields } from './flux-object.ts';

export const PROVIDER_API_VERSIONS = ['notification.toolkit.fluxcd.io/v1beta3', 'notification.toolkit.fluxcd.io/v1beta2'] as const;

/** Provider types Tideline implements. */
export const SUPPORTED_PROVIDER_TYPES = ['slack', 'generic', 'generic-hmac', 'github', 'gitlab'] as const;
export type ProviderType = (typeof SUPPORTED_PROVIDER_TYPES)[number];

/** Flux Provider fields Tideline knows but does not implement, with the reason given to the user. */
const UNSUPPORTED_SPEC_FIELDS: Record<string, string> = {
  proxy: 'outbound proxies are not supported',
  proxySecretRef: 'outbound proxies are not supported',
  certSecretRef: 'custom TLS certificates are not supported; the platform trust store is used',
  serviceAccountName: 'workload identity for providers is not supported; use secretRef',
  commitStatusExpr: 'CEL commit status expressions are not supported; the context is kustomization/<name>/<cluster>',
};

/** Flux's default provider timeout. */
export const DEFAULT_PROVIDER_TIMEOUT_MS = 15_000;

/** Slack's Web API endpoint used with a bot token when the Provider gives no address. */
export const SLACK_POST_MESSAGE_URL = 'https://slack.com/api/chat.postMessage';

const name = z.string().check(z.minLength(1), z.maxLength(253));

export const ProviderSpecSchema = z.strictObject({
  type: z.string().check(z.minLength(1)),
  channel: z.optional(z.string().check(z.maxLength(2048))),
  username: z.optional(z.string().check(z.maxLength(2048))),
  address: z.optional(z.string().check(z.maxLength(2048))),
  timeout: z.optional(DurationSchema),
  secretRef: z.optional(z.strictObject({ name })),
  suspend: z.optional(z.boolean()),
  /** Deprecated and unused in Flux v1beta3; accepted so existing objects load. */
  interval: z.optional(DurationSchema),
});

export const ProviderSchema = fluxObjectSchema(PROVIDER_API_VERSIONS, 'Provider', ProviderSpecSchema);

/** A validated Flux Provider of a supported type, with its timeout in milliseconds. */
export type FluxProvider = z.infer<typeof ProviderSchema> & {
  spec: { type: ProviderType };
  timeoutMs: number;
};

function isSupportedType(type: string): type is ProviderType {
  return (SUPPORTED_PROVIDER_TYPES as readonly string[]).includes(type);
}

/**
 * Validates a Flux Provider object. `file` names where it came from, for the error message.
 * Throws InvalidInputError naming the unsupported type or field. Whether the address and token
 * needed by the type are present is checked when the secret is resolved, because Flux lets
 * either come from the secret.
 */
export function parseProvider(value: unknown, file = '<inline>'): FluxProvider {
  refuseUnsupportedSpecFields('Provider', value, UNSUPPORTED_SPEC_FIELDS, file);
  const provider = parseWithSchema(ProviderSchema, 'Provider', value, file);
  const label = provider.metadata.name;
  const type = provider.spec.type;
  if (!isSupportedType(type)) {
    throw new InvalidInputError(`Provider ${label}: spec.type ${type} is not supported; supported types: ${SUPPORTED_PROVIDER_TYPES.join(', ')}`, {
      source: { file },
    });
  }
  if (provider.spec.address !== undefined && provider.spec.address !== '' && !isHttpUrl(provider.spec.address)) {
    throw new InvalidInputError(`Provider ${label}: spec.address must be an http(s) URL`, { source: { file } });
  }
  const timeoutMs = provider.spec.timeout ? durationToMs(provider.spec.timeout) : DEFAULT_PROVIDER_TIMEOUT_MS;
  return { ...provider, spec: { ...provider.spec, type }, timeoutMs };
}

/** True for an absolute http or https URL. */
export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
