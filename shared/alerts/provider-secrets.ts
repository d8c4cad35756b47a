/**
 * Provider credentials: the address and token a Provider's `secretRef` points to.
 *
 * As in Flux, `address` in the secret overrides `spec.address`, and `token` authenticates (Slack
 * bot token, GitHub/GitLab token, HMAC key of `generic-hmac`). The secret is read from the
 * SecretStore under `<namespace>/<secretRef.name>`, like a Receiver's, and its value is a JSON
 * object of string keys (the Kubernetes Secret's data) or, for convenience, a bare string: a URL
 * is taken as the address, anything else as the token. Every value read is handed back so the
 * caller can redact it from whatever it sends.
 */
import { InvalidInputError } from '#shared/errors/index.ts';
import { isHttpUrl, type FluxProvider } from '#shared/config/provider.ts';
import { parseSecretValue } from '#shared/config/secret-value.ts';
import type { SecretStore } from '#shared/ports/index.ts';

/** A Provider with its credentials resolved. */
export interface ResolvedProvider {
  provider: FluxProvider;
  /** `namespace/name`, how errors and logs name the Provider (never by URL). */
  id: string;
  address?: string;
  token?: string;
  /** Every secret value read for this Provider, for redaction. */
  secretValues: string[];
}

/**
 * True when a Slack Provider posts through the Web API (`chat.postMessage` with a bot token) rather
 * than an incoming webhook: it has a token and no address, or an address ending in
 * `/chat.postMessage` (as Flux decides; a token next to a webhook URL is only sent along).
 */
export function usesSlackWebApi(resolved: { address?: string; token?: string }): boolean {
  if (!resolved.token) return false;
  if (!resolved.address) return true;
  return /\/chat\.postMessage(?:\/[^/?#]*)?(?:[?#].*)?$/.test(resolved.address);
}

/** Name under which a Provider's secret is kept in the secret store: `<namespace>/<secretRef.name>`. */
export function providerSecretName(provider: FluxProvider): string | undefined {
  return provider.spec.secretRef ? `${provider.metadata.namespace}/${provider.spec.secretRef.name}` : undefined;
}

/** `Provider <namespace>/<name>`: how messages name a Provider. */
export function providerLabel(provider: FluxProvider): string {
  return `Provider ${provider.metadata.namespace}/${provider.metadata.name}`;
}

function providerSecretData(value: string, secretName: string): Record<string, string> {
  const parsed = parseSecretValue(value, secretName);
  if (parsed.kind === 'data') return Object.fromEntries(Object.entries(parsed.data).map(([key, item]) => [key, item.trim()]));
  const bare = parsed.value.trim();
  return isHttpUrl(bare) ? { address: bare } : { token: bare };
}

/**
 * Reads a Provider's secret (if any) and checks that the type has what it needs: an address for
 * webhooks and commit statuses, a channel with a Slack bot token, a token for `generic-hmac`,
 * `github` and `gitlab`. Throws InvalidInputError naming the Provider and what is missing.
 */
export async function resolveProvider(provider: FluxProvider, secrets: SecretStore): Promise<ResolvedProvider> {
  const id = `${provider.metadata.namespace}/${provider.metadata.name}`;
  const label = providerLabel(provider);
  const secretName = providerSecretName(provider);
  let data: Record<string, string> = {};
  if (secretName) data = providerSecretData(await secrets.getSecret(secretName), secretName);
  const secretValues = Object.entries(data)
    .filter(([key]) => key === 'address' || key === 'token' || key === 'password' || key === 'username')
    .map(([, value]) => value)
    .filter((value) => value.length > 0);
  const address = data.address || provider.spec.address || undefined;
  const token = data.token || undefined;
  if (address !== undefined && !isHttpUrl(address))
    throw new InvalidInputError(`${label}: the address (from ${data.address ? `secret ${secretName}` : 'spec.address'}) is not an http(s) URL`);
  const type = provider.spec.type;
  if ((type === 'generic' || type === 'generic-hmac' || type === 'github' || type === 'gitlab') && !address) {
    throw new InvalidInputError(`${label}: type ${type} needs an address (spec.address or "address" in the secret)`);
  }
  if ((type === 'generic-hmac' || type === 'github' || type === 'gitlab') && !token) {
    throw new InvalidInputError(`${label}: type ${type} needs a token ("token" in the secret of spec.secretRef)`);
  }
  if (type === 'slack') {
    if (!address && !token) throw new InvalidInputError(`${label}: type slack needs a webhook address or a bot token`);
    if (usesSlackWebApi({ ...(address ? { address } : {}), ...(token ? { token } : {}) }) && !provider.spec.channel) {
      throw new InvalidInputError(`${label}: type slack with a bot token needs spec.channel`);
    }
  }
  return { provider, id, ...(address ? { address } : {}), ...(token ? { token } : {}), secretValues };
}
