/**
 * Normalizing an object before it is compared or applied, as Flux's kustomize-controller does, so
 * that what Git holds and what the API server stores compare equal and applies are accepted.
 */
import { X509Certificate } from 'node:crypto';
import type { KubeObject } from './objects.ts';
import { isCrd, isSecret } from './objects.ts';

/**
 * Rewrites an object the way the server would store it, before anything is compared or applied
 * (as Flux normalizes): a Secret's write-only `stringData` becomes base64 `data` — otherwise a key
 * dropped from `stringData` would stay in the live Secret forever, since the field manager only
 * ever owned `stringData` — and `status` (which an apply never writes) is dropped, except on CRDs.
 * A CRD's conversion webhook `caBundle` that holds no certificate (a placeholder such as `Cg==`,
 * left for a CA injector to fill) is dropped: API servers since 1.31 reject it, and without it the
 * injected value is left alone. Metadata only the server writes (`uid`, `resourceVersion`,
 * `managedFields`, `generation`, timestamps — present in manifests exported with `kubectl get -o
 * yaml`) is dropped too: an apply refuses `managedFields`, and a stale `uid` or `resourceVersion`
 * would turn every later apply into a conflict.
 */
export function normalizeForApply(object: KubeObject): void {
  const stringData = object.stringData;
  // A non-string value is left alone so that the API server reports it against the manifest.
  if (
    isSecret(object) &&
    stringData &&
    typeof stringData === 'object' &&
    !Array.isArray(stringData) &&
    Object.values(stringData).every((v) => typeof v === 'string')
  ) {
    const data: Record<string, unknown> = { ...((object.data as Record<string, unknown> | null | undefined) ?? {}) };
    for (const [key, value] of Object.entries(object.stringData as Record<string, unknown>)) {
      data[key] = Buffer.from(value as string, 'utf8').toString('base64');
    }
    object.data = data;
    delete object.stringData;
  }
  if (isCrd(object)) dropPlaceholderCaBundle(object);
  else delete object.status;
  for (const field of SERVER_WRITTEN_METADATA) delete object.metadata[field];
}

/** `metadata` fields the API server sets and an apply must not carry. */
const SERVER_WRITTEN_METADATA = [
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'generation',
  'managedFields',
  'resourceVersion',
  'selfLink',
  'uid',
] as const;

/** Removes `spec.conversion.webhook.clientConfig.caBundle` when it is set but holds no usable certificate. */
function dropPlaceholderCaBundle(crd: KubeObject): void {
  const clientConfig = (crd.spec as { conversion?: { webhook?: { clientConfig?: { caBundle?: unknown } } } } | undefined)?.conversion?.webhook?.clientConfig;
  const caBundle = clientConfig?.caBundle;
  if (!clientConfig || typeof caBundle !== 'string' || caBundle === '') return;
  // Line breaks inside base64 are allowed (ignored), as in Go's decoder.
  const encoded = caBundle.replace(/[\r\n]/g, '');
  if (!isBase64(encoded) || !holdsCertificate(Buffer.from(encoded, 'base64').toString('latin1'))) delete clientConfig.caBundle;
}

function isBase64(text: string): boolean {
  return /^[A-Za-z0-9+/]*={0,2}$/.test(text) && text.length % 4 === 0;
}

/**
 * What the API server accepts as a CA bundle: nothing at all, or PEM text with at least one
 * certificate that parses (other blocks and broken certificates are skipped, as Go's
 * `AppendCertsFromPEM` does).
 */
function holdsCertificate(pem: string): boolean {
  if (pem === '') return true;
  for (const block of pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []) {
    try {
      new X509Certificate(block);
      return true;
    } catch {
      // Not a certificate after all: keep looking.
    }
  }
  return false;
}
