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
 * `X-Hub-Signature`, Flux's generic-hmac `X-Signature`) against the body, the way Flux's
 * notification-controller reads it: the algorithm name is matched exactly (lower case, as every
 * sender writes it) and everything after the first `=` must be the hex digest, nothing else.
 * Only surrounding whitespace of the whole header value is ignored, as HTTP servers drop it anyway.
 */
export function verifyPrefixedHmac(header: string, key: string, body: Buffer, allowed: readonly HmacAlgorithm[]): boolean {
  const value = header.trim();
  const separator = value.indexOf('=');
  if (separator <= 0) return false;
  const algorithm = value.slice(0, separator) as HmacAlgorithm;
  if (!allowed.includes(algorithm)) return false;
  return verifyHexHmac(algorithm, key, body, value.slice(separator + 1));
}

/** Constant-time equality of two secrets of any length (compares their SHA-256 digests). */
export function secretsEqual(provided: string, expected: string): boolean {
  const a = createHash('sha256').update(provided, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b) && provided.length === expected.length;
}

const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The HMAC keys a Standard Webhooks signing secret may stand for. `whsec_<base64>` (the form GitLab
 * issues) is exactly the decoded bytes. A secret without the prefix is, per the spec and its
 * reference libraries, base64 too; since users also paste plain passphrases, a bare secret that is
 * valid base64 is tried both decoded and as its UTF-8 bytes, any other bare secret as UTF-8 only.
 */
export function standardWebhooksKeys(secret: string): Buffer[] {
  if (secret.startsWith('whsec_')) {
    const encoded = secret.slice('whsec_'.length);
    if (encoded.length > 0 && CANONICAL_BASE64.test(encoded)) return [Buffer.from(encoded, 'base64')];
    return [Buffer.from(secret, 'utf8')];
  }
  const keys = [Buffer.from(secret, 'utf8')];
  if (secret.length > 0 && CANONICAL_BASE64.test(secret)) keys.unshift(Buffer.from(secret, 'base64'));
  return keys;
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
  const expected = standardWebhooksKeys(input.secret).map((key) =>
    createHmac('sha256', key).update(`${input.id}.${input.timestamp}.`, 'utf8').update(input.body).digest(),
  );
  let matched = false;
  for (const entry of input.signatures.trim().split(/\s+/)) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    const provided = Buffer.from(entry.slice(comma + 1), 'base64');
    // Check every entry against every key so the time taken does not depend on which one matched.
    for (const digest of expected) {
      if (provided.length === digest.length && timingSafeEqual(provided, digest)) matched = true;
    }
  }
  return matched ? { ok: true } : { ok: false, reason: 'no webhook-signature entry matches' };
}
