/**
 * Signature checks shared by the webhook providers, all in constant time.
 *
 * Every comparison goes through fixed-length digests and `timingSafeEqual`, so the time a check
 * takes reveals neither how much of a signature was right nor the length of a token.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** HMAC algorithms webhook senders use. */
export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512';

const HEX_LENGTH: Record<HmacAlgorithm, number> = { sha1: 40, sha256: 64, sha512: 128 };

/** Hex HMAC of `body` under `key`. */
export function hmacHex(algorithm: HmacAlgorithm, key: string | Buffer, body: Buffer | string): string {
  return createHmac(algorithm, key).update(body).digest('hex');
}

/**
 * True when `provided` is the hex HMAC of `body` under `key`. Malformed or wrong-length input is
 * simply false; case of the hex digits does not matter.
 */
export function verifyHexHmac(algorithm: HmacAlgorithm, key: string | Buffer, body: Buffer, provided: string): boolean {
  if (provided.length !== HEX_LENGTH[algorithm] || !/^[0-9a-fA-F]+$/.test(provided)) return false;
  const expected = createHmac(algorithm, key).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(provided, 'hex'));
}

/**
 * Checks a `<algorithm>=<hex>` header (GitHub's `X-Hub-Signature-256`, Bitbucket's
 * `X-Hub-Signature`, Flux's generic-hmac `X-Signature`) against the body.
 */
export function verifyPrefixedHmac(header: string, key: string, body: Buffer, allowed: readonly HmacAlgorithm[]): boolean {
  const separator = header.indexOf('=');
  if (separator <= 0) return false;
  const algorithm = header.slice(0, separator).trim().toLowerCase() as HmacAlgorithm;
  if (!allowed.includes(algorithm)) return false;
  return verifyHexHmac(algorithm, key, body, header.slice(separator + 1).trim());
}

/** Constant-time equality of two secrets of any length (compares their SHA-256 digests). */
export function secretsEqual(provided: string, expected: string): boolean {
  const a = createHash('sha256').update(provided, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b) && provided.length === expected.length;
}

/**
 * The HMAC key of a Standard Webhooks signing secret: `whsec_<base64>` decodes to the key bytes;
 * any other string is used as its UTF-8 bytes.
 */
export function standardWebhooksKey(secret: string): Buffer {
  if (secret.startsWith('whsec_')) {
    const decoded = Buffer.from(secret.slice('whsec_'.length), 'base64');
    if (decoded.length > 0) return decoded;
  }
  return Buffer.from(secret, 'utf8');
}

/**
 * Verifies a Standard Webhooks signature (as GitLab's signing token sends it): the header holds
 * space-separated `v1,<base64 HMAC-SHA256>` entries over `<id>.<timestamp>.<body>`; one match is
 * enough, and the timestamp (Unix seconds) must be within `toleranceMs` of `nowMs`.
 */
export function verifyStandardWebhook(input: {
  secret: string;
  id: string;
  timestamp: string;
  signatures: string;
  body: Buffer;
  nowMs: number;
  toleranceMs: number;
}): { ok: true } | { ok: false; reason: string } {
  if (!/^[0-9]{1,12}$/.test(input.timestamp)) return { ok: false, reason: 'webhook-timestamp is not a Unix time in seconds' };
  const sentMs = Number(input.timestamp) * 1000;
  if (Math.abs(input.nowMs - sentMs) > input.toleranceMs) return { ok: false, reason: 'webhook-timestamp is outside the accepted tolerance' };
  const mac = createHmac('sha256', standardWebhooksKey(input.secret));
  mac.update(`${input.id}.${input.timestamp}.`, 'utf8');
  mac.update(input.body);
  const expected = mac.digest();
  let matched = false;
  for (const entry of input.signatures.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    const provided = Buffer.from(entry.slice(comma + 1), 'base64');
    // Check every entry so the time taken does not depend on which one matched.
    if (provided.length === expected.length && timingSafeEqual(provided, expected)) matched = true;
  }
  return matched ? { ok: true } : { ok: false, reason: 'no webhook-signature entry matches' };
}
