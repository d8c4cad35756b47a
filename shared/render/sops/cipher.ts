/**
 * The cipher and the MAC of SOPS: every encrypted leaf is `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`,
 * sealed with the document's 256-bit data key and, as additional authenticated data, its key path
 * (`data:password:`; list items carry their parent's path), so a value cannot be moved to another
 * key. The `mac` is an upper-case hex SHA-512 over the plaintext of the leaves (all leaves, or only
 * the encrypted ones with `mac_only_encrypted`), sealed the same way with `lastmodified` as the
 * additional data.
 */
import { createDecipheriv, createHash, timingSafeEqual, type Hash } from 'node:crypto';
import type { SopsMetadata } from './metadata.ts';
import { sopsError, type SopsSource } from './source.ts';

/** Prefixed to the MAC input with `mac_only_encrypted`, so the two MAC kinds never coincide (SOPS' constant). */
const MAC_ONLY_ENCRYPTED_INIT = Buffer.from('8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69', 'hex');
// Base64 fields and a word type: no backtracking on hostile input (SOPS itself matches `.+`).
const ENCRYPTED_VALUE = /^ENC\[AES256_GCM,data:([A-Za-z0-9+/=]*),iv:([A-Za-z0-9+/=]+),tag:([A-Za-z0-9+/=]+),type:([a-z]+)\]/;

/** A whole encrypted comment, as SOPS stores one (a YAML comment line, a dotenv or INI comment). */
export const TOP_LEVEL_COMMENT = /^ENC\[AES256_GCM,[^\]]*,type:comment\]$/;

// `raw` keeps a string's exact bytes: a binary file's plaintext need not be UTF-8. `comment`
// marks a YAML comment SOPS stored as a list item (it encrypts comments inside lists that way).
export type Decrypted = { type: 'str' | 'int' | 'float' | 'bool'; text: string; raw?: Buffer; comment?: true };

/**
 * Opens one `ENC[…]` value with the data key and its additional data (`path:`), checking its type.
 * `what` names the value in errors; the plaintext never appears in one.
 */
export function openValue(ciphertext: string, dataKey: Uint8Array, additionalData: string, what: string, source: SopsSource): Decrypted {
  const match = ENCRYPTED_VALUE.exec(ciphertext);
  if (!match) throw sopsError(source, `${what} is not a sops-encrypted value (expected ENC[AES256_GCM,…])`);
  const [, data = '', iv = '', tag = '', type = ''] = match;
  if (!['str', 'int', 'float', 'bool', 'bytes', 'time', 'comment'].includes(type)) throw sopsError(source, `${what} has unknown sops value type "${type}"`);
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(iv, 'base64'), { authTagLength: 16 });
    decipher.setAAD(Buffer.from(additionalData, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    plain = Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]);
  } catch (error) {
    throw sopsError(
      source,
      `${what} failed authentication (tampered, moved to another key, or encrypted with another data key)`,
      error instanceof Error ? new Error(error.message) : undefined,
    );
  }
  const text = plain.toString('utf8');
  if (type === 'int' && !/^[-+]?[0-9]+$/.test(text)) throw sopsError(source, `${what} is typed int but does not decrypt to an integer`);
  if (type === 'float' && !Number.isFinite(Number(text))) throw sopsError(source, `${what} is typed float but does not decrypt to a number`);
  if (type === 'bool' && !/^(1|0|t|f|T|F|true|false|TRUE|FALSE|True|False)$/.test(text))
    throw sopsError(source, `${what} is typed bool but does not decrypt to a boolean`);
  if (type === 'comment') return { type: 'str', text, raw: plain, comment: true };
  return type === 'int' || type === 'float' || type === 'bool' ? { type, text } : { type: 'str', text, raw: plain };
}

/** `strconv.FormatFloat(f, 'f', -1, 64)`: the shortest round-tripping digits, never an exponent. */
function fixedFloatText(value: number): string {
  if (Object.is(value, -0)) return '-0';
  const text = String(value);
  if (!/e/i.test(text)) return text;
  const [mantissa = '', exponentText = '0'] = text.toLowerCase().split('e');
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const pointAt =
    (mantissa.replace('-', '').indexOf('.') === -1 ? mantissa.replace('-', '').length : mantissa.replace('-', '').indexOf('.')) + Number(exponentText);
  const body =
    pointAt <= 0
      ? `0.${'0'.repeat(-pointAt)}${digits}`
      : pointAt >= digits.length
        ? digits + '0'.repeat(pointAt - digits.length)
        : `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
  return (negative ? '-' : '') + body;
}

/** The bytes SOPS feeds the MAC for a plaintext leaf (`ToBytes`): Python-style booleans, Go number text. */
function macText(value: Decrypted): string {
  if (value.type === 'bool') return /^(1|t|T|true|TRUE|True)$/.test(value.text) ? 'True' : 'False';
  if (value.type === 'int') return BigInt(value.text).toString();
  if (value.type === 'float') return fixedFloatText(Number(value.text));
  return value.text;
}

/** RFC 3339 as Go re-prints the parsed `lastmodified` (whole seconds), the MAC's additional data. */
function lastModifiedAad(text: string): string {
  return text.replace(/(T\d{2}:\d{2}:\d{2})\.\d+/, '$1');
}
/**
 * A decryption that leaves what does not decrypt as it stands: SOPS keeps a comment it cannot open
 * (files from older SOPS versions hold plain comments), and so do the file readers.
 */
export function openComment(text: string, dataKey: Uint8Array, additionalData: string, source: SopsSource): string {
  if (!TOP_LEVEL_COMMENT.test(text)) return text;
  try {
    return openValue(text, dataKey, additionalData, 'a comment', source).text;
  } catch {
    return text;
  }
}

/** Starts a document's MAC; with `mac_only_encrypted` SOPS prefixes its constant, so the two MAC kinds never coincide. */
export function startMac(macOnlyEncrypted: boolean): Hash {
  const mac = createHash('sha512');
  if (macOnlyEncrypted) mac.update(MAC_ONLY_ENCRYPTED_INIT);
  return mac;
}

/** Feeds one plaintext leaf to the MAC, in document order: its exact bytes for strings, SOPS' text for the rest. */
export function addToMac(mac: Hash, leaf: Decrypted): void {
  if (leaf.raw) mac.update(leaf.raw);
  else mac.update(macText(leaf), 'utf8');
}

/** Opens the stored MAC and compares it (in constant time) with the one computed over the plaintext. */
export function verifyMac(mac: Hash, meta: SopsMetadata, dataKey: Uint8Array, source: SopsSource): void {
  const stored = openValue(meta.mac, dataKey, lastModifiedAad(meta.lastModified), 'the sops mac', source).text;
  const computed = mac.digest('hex').toUpperCase();
  if (stored.length !== computed.length || !timingSafeEqual(Buffer.from(stored), Buffer.from(computed))) {
    throw sopsError(source, 'the sops MAC does not match the document (a value was changed, added or removed after encryption)');
  }
}
