/**
 * SOPS decryption: turns a document encrypted by `sops` (YAML or JSON, with its `sops` metadata
 * block) back into its plaintext, given the keys that may unwrap its data key — age identities
 * and/or AWS KMS through an injected function.
 *
 * The stored format: every encrypted leaf is `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`, sealed
 * with the document's 256-bit data key and, as additional authenticated data, its key path
 * (`data:password:`; list items carry their parent's path), so a value cannot be moved to another
 * key. The `mac` is an upper-case hex SHA-512 over the plaintext of the leaves (all leaves, or only
 * the encrypted ones with `mac_only_encrypted`), sealed the same way with `lastmodified` as the
 * additional data. Which leaves are encrypted is decided by `unencrypted_suffix` (default
 * `_unencrypted`), `encrypted_suffix`, `unencrypted_regex` or `encrypted_regex`, matched against
 * every key of the path.
 *
 * Whole files in SOPS' other stores (dotenv, INI, binary, and YAML/JSON files printed back as
 * `sops decrypt` prints them) are decrypted by {@link decryptSopsFile}, for generator inputs.
 *
 * Errors are {@link InvalidInputError}s naming the file or object (and the key path), never a
 * decrypted value or any key material; a KMS outage stays a TransientError so callers retry.
 */
import { createDecipheriv, createHash, timingSafeEqual } from 'node:crypto';
import { type Document, Pair, Scalar, type YAMLMap, isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import { InvalidInputError, TidelineError } from '#shared/errors/index.ts';
import { GoNumber, GoValueError, keyText, resolvePlainV3, toGoValue } from './yaml/go-value.ts';
import { blockScalarStylesAllowed } from './yaml/emit.ts';
import { cloneNode, stringScalar } from './resource.ts';
import { firstDuplicateKey } from './load.ts';
import { SOPS_FLAT_PREFIX, emitGoIni, emitSopsDotenv, parseGoIni, parseSopsDotenv, unflattenSopsMetadata, type DotenvItem, type IniSection, type SopsFileFormat } from './sops-formats.ts';

/**
 * Unwraps a data key with AWS KMS: `Decrypt` of `ciphertext` under `keyArn` with the document's
 * encryption context. Injected so the renderer stays free of AWS clients (see
 * `shared/adapters/aws/kms-decrypt.ts` for the SDK-backed one).
 */
export type KmsDecryptFunction = (keyArn: string, ciphertext: Uint8Array, encryptionContext: Readonly<Record<string, string>>) => Promise<Uint8Array>;

/** The keys a decryptor may use. Identities and KMS access are tried in that order, as Flux does. */
export interface SopsKeys {
  /** age identities, `AGE-SECRET-KEY-1…` (see {@link parseAgeIdentities} for key files). */
  ageIdentities?: readonly string[];
  /** AWS KMS access; without it, documents whose only keys are KMS keys cannot be decrypted. */
  kmsDecrypt?: KmsDecryptFunction;
}

/** Where a document came from, for error messages: a file, or a rendered object (and its file). */
export interface SopsSource {
  /** The file, or the object (`Secret db in ns shop`) when `file` is where it came from. */
  where: string;
  file?: string;
}

export interface SopsDecryptOptions {
  /**
   * Check the document MAC (default true). Flux's kustomize-controller does not, because kustomize
   * edits the unencrypted fields the MAC covers (labels, namespaces, name prefixes); the render
   * path follows it. Every encrypted value is still authenticated on its own by AES-GCM.
   */
  verifyMac?: boolean;
}

/** The key name SOPS stores its metadata under, at the top of the document. */
export const SOPS_METADATA_KEY = 'sops';

const DEFAULT_UNENCRYPTED_SUFFIX = '_unencrypted';
/** Prefixed to the MAC input with `mac_only_encrypted`, so the two MAC kinds never coincide (SOPS' constant). */
const MAC_ONLY_ENCRYPTED_INIT = Buffer.from('8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69', 'hex');
// Base64 fields and a word type: no backtracking on hostile input (SOPS itself matches `.+`).
const ENCRYPTED_VALUE = /^ENC\[AES256_GCM,data:([A-Za-z0-9+/=]*),iv:([A-Za-z0-9+/=]+),tag:([A-Za-z0-9+/=]+),type:([a-z]+)\]/;
const UNSUPPORTED_KEY_TYPES: Record<string, string> = {
  pgp: 'PGP',
  gcp_kms: 'GCP KMS',
  azure_kv: 'Azure Key Vault',
  hc_vault: 'HashiCorp Vault transit',
  hckms: 'Huawei Cloud KMS',
};

interface AgeKey {
  recipient: string;
  enc: string;
}
interface KmsKey {
  arn: string;
  enc: string;
  context: Record<string, string>;
}
interface KeyGroup {
  age: AgeKey[];
  kms: KmsKey[];
  unsupported: string[];
}
type CryptRule = { kind: 'unencrypted_suffix' | 'encrypted_suffix'; suffix: string } | { kind: 'unencrypted_regex' | 'encrypted_regex'; regex: RegExp };

/** The parts of the `sops` block decryption needs. */
interface SopsMetadata {
  group: KeyGroup;
  mac: string;
  lastModified: string;
  rule: CryptRule;
  macOnlyEncrypted: boolean;
}

/** `file: object: message`, as the renderer's other errors read; just `file: message` for a file. */
function fail(source: SopsSource, message: string, cause?: unknown): InvalidInputError {
  return new InvalidInputError(source.where === source.file ? message : `${source.where}: ${message}`, { ...(source.file ? { source: { file: source.file } } : {}), ...(cause === undefined ? {} : { cause }) });
}

/** True when a parsed document (YAML node or plain object) carries SOPS metadata with a MAC — what Flux decrypts. */
export function isSopsEncrypted(document: unknown): boolean {
  if (isMap(document)) {
    const sops = document.items.find((pair) => isScalar(pair.key) && pair.key.value === SOPS_METADATA_KEY)?.value;
    if (!isMap(sops)) return false;
    const mac = sops.items.find((pair) => isScalar(pair.key) && pair.key.value === 'mac')?.value;
    return isScalar(mac) && typeof mac.value === 'string' && mac.value !== '';
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) return false;
  const sops = (document as Record<string, unknown>)[SOPS_METADATA_KEY];
  if (sops === null || typeof sops !== 'object') return false;
  const mac = (sops as Record<string, unknown>)['mac'];
  return typeof mac === 'string' && mac !== '';
}

/**
 * The identities in an age key file (`age-keygen` output, Flux's `*.agekey` Secret entries):
 * `AGE-SECRET-KEY-…` lines, `#` comments and blank lines. Anything else is refused by line number,
 * without echoing the line (it may be key material).
 */
export function parseAgeIdentities(text: string, file: string): string[] {
  const identities: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (/^AGE-SECRET-KEY-(PQ-)?1[0-9A-Z]+$/.test(line)) identities.push(line);
    else if (line.startsWith('AGE-PLUGIN-')) throw new InvalidInputError('age plugin identities are not supported', { source: { file, line: index + 1 } });
    else throw new InvalidInputError('not an age identity (expected AGE-SECRET-KEY-1…, # comments or blank lines)', { source: { file, line: index + 1 } });
  });
  if (identities.length === 0) throw new InvalidInputError('no age identity found', { source: { file } });
  return identities;
}

/**
 * The age identities of a Flux decryption Secret (`spec.decryption.secretRef`), given its entries
 * already base64-decoded: every `*.agekey` entry, as kustomize-controller imports them. Entries for
 * other providers (`*.asc`, `sops.vault-token`, `sops.azure-kv`, `sops.gcp-kms`) are ignored, as
 * documents wrapped only for them are refused when decrypted; `sops.aws-kms` static credentials
 * are refused, since Tideline reaches KMS with its own role.
 */
export function ageIdentitiesFromSecret(entries: Readonly<Record<string, string>>, secretName: string): string[] {
  const identities: string[] = [];
  for (const [name, text] of Object.entries(entries)) {
    if (name === 'sops.aws-kms') {
      throw new InvalidInputError(`decryption Secret ${secretName}: entry sops.aws-kms (static AWS credentials) is not supported; grant Tideline's role kms:Decrypt on the key instead`);
    }
    if (name.endsWith('.agekey')) identities.push(...parseAgeIdentities(text, `Secret ${secretName} entry ${name}`));
  }
  return identities;
}

// --- metadata --------------------------------------------------------------------------------

type Plain = null | boolean | string | number | bigint | Plain[] | { [key: string]: Plain };

function plainOf(node: unknown): Plain {
  if (isMap(node)) {
    const out: Record<string, Plain> = {};
    for (const pair of node.items) out[keyText(pair.key)] = plainOf(pair.value);
    return out;
  }
  if (isSeq(node)) return node.items.map(plainOf);
  if (isScalar(node)) return node.value as Plain;
  return null;
}

function stringField(value: Record<string, Plain>, field: string): string | undefined {
  const found = value[field];
  return typeof found === 'string' ? found : undefined;
}

function asList(value: Plain | undefined): Record<string, Plain>[] {
  return Array.isArray(value) ? value.filter((item): item is Record<string, Plain> => item !== null && typeof item === 'object' && !Array.isArray(item)) : [];
}

function readGroup(value: Record<string, Plain>, source: SopsSource): KeyGroup {
  const group: KeyGroup = { age: [], kms: [], unsupported: [] };
  for (const entry of asList(value['age'])) {
    const recipient = stringField(entry, 'recipient');
    const enc = stringField(entry, 'enc');
    if (recipient !== undefined && enc !== undefined) group.age.push({ recipient, enc });
  }
  for (const entry of asList(value['kms'])) {
    const arn = stringField(entry, 'arn');
    const enc = stringField(entry, 'enc');
    if (arn === undefined || enc === undefined) continue;
    const context: Record<string, string> = {};
    const raw = entry['context'];
    if (raw !== null && raw !== undefined && typeof raw === 'object' && !Array.isArray(raw)) {
      for (const [key, item] of Object.entries(raw)) if (item !== null) context[key] = String(item);
    }
    group.kms.push({ arn, enc, context });
  }
  for (const [field, label] of Object.entries(UNSUPPORTED_KEY_TYPES)) if (asList(value[field]).length > 0) group.unsupported.push(label);
  if (group.age.length === 0 && group.kms.length === 0) {
    throw fail(source, group.unsupported.length > 0
      ? `its data key is only wrapped for ${group.unsupported.join(', ')}, which Tideline does not support (use age or AWS KMS)`
      : 'the sops metadata lists no key that wraps the data key');
  }
  return group;
}

/** Go's RE2 syntax is close enough to JavaScript's for these options, except leading inline flags. */
function compileRegex(pattern: string, option: string, source: SopsSource): RegExp {
  const flags = /^\(\?([ims]+)\)/.exec(pattern);
  try {
    return flags ? new RegExp(pattern.slice(flags[0].length), flags[1]) : new RegExp(pattern);
  } catch (error) {
    throw fail(source, `sops ${option} is not a regular expression Tideline can evaluate`, error);
  }
}

function readMetadata(root: YAMLMap, source: SopsSource): SopsMetadata {
  const sopsNode = root.items.find((pair) => isScalar(pair.key) && pair.key.value === SOPS_METADATA_KEY)?.value;
  if (!isMap(sopsNode)) throw fail(source, 'no sops metadata block (the document is not encrypted with sops)');
  const meta = plainOf(sopsNode) as Record<string, Plain>;
  const mac = stringField(meta, 'mac');
  const lastModified = stringField(meta, 'lastmodified');
  if (mac === undefined || mac === '') throw fail(source, 'the sops metadata has no mac');
  if (lastModified === undefined) throw fail(source, 'the sops metadata has no lastmodified');

  const groups = asList(meta['key_groups']);
  const threshold = typeof meta['shamir_threshold'] === 'number' || typeof meta['shamir_threshold'] === 'bigint' ? Number(meta['shamir_threshold']) : 0;
  if (groups.length > 1 || threshold > 1) {
    throw fail(source, `its data key is split over ${groups.length} key groups (shamir threshold ${threshold}), which Tideline does not support; use one key group`);
  }
  const group = readGroup(groups[0] ?? meta, source);

  for (const option of ['encrypted_comment_regex', 'unencrypted_comment_regex']) {
    if (stringField(meta, option)) throw fail(source, `sops ${option} is not supported (comments do not survive rendering, as in Flux)`);
  }
  const rules: CryptRule[] = [];
  for (const kind of ['unencrypted_suffix', 'encrypted_suffix'] as const) {
    const suffix = stringField(meta, kind);
    if (suffix) rules.push({ kind, suffix });
  }
  for (const kind of ['unencrypted_regex', 'encrypted_regex'] as const) {
    const pattern = stringField(meta, kind);
    if (pattern) rules.push({ kind, regex: compileRegex(pattern, kind, source) });
  }
  if (rules.length > 1) throw fail(source, 'the sops metadata sets more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex and unencrypted_regex');
  return {
    group,
    mac,
    lastModified,
    rule: rules[0] ?? { kind: 'unencrypted_suffix', suffix: DEFAULT_UNENCRYPTED_SUFFIX },
    macOnlyEncrypted: meta['mac_only_encrypted'] === true,
  };
}

/** Whether the leaf at `path` is encrypted, as SOPS decides it: any key of the path may match. */
function isEncryptedPath(rule: CryptRule, path: readonly string[]): boolean {
  switch (rule.kind) {
    case 'unencrypted_suffix':
      return !path.some((key) => key.endsWith(rule.suffix));
    case 'encrypted_suffix':
      return path.some((key) => key.endsWith(rule.suffix));
    case 'unencrypted_regex':
      return !path.some((key) => rule.regex.test(key));
    case 'encrypted_regex':
      return path.some((key) => rule.regex.test(key));
  }
}

// --- data key ----------------------------------------------------------------------------------

async function unwrapWithAge(group: KeyGroup, identities: readonly string[]): Promise<Uint8Array | undefined> {
  if (group.age.length === 0 || identities.length === 0) return undefined;
  // Loaded only when a file really is age-encrypted: the library (with its post-quantum and
  // elliptic-curve code) costs about 100 ms and 20 MB to load, which every other render skipped.
  const { Decrypter, armor } = await import('age-encryption');
  const decrypter = new Decrypter();
  identities.forEach((identity, index) => {
    try {
      decrypter.addIdentity(identity);
    } catch {
      // The identity itself is never echoed: it is key material.
      throw new InvalidInputError(`age identity #${index + 1} is not an age secret key (AGE-SECRET-KEY-1…)`);
    }
  });
  for (const key of group.age) {
    let file: Uint8Array;
    try {
      file = armor.decode(key.enc);
    } catch {
      continue;
    }
    try {
      return await decrypter.decrypt(file, 'uint8array');
    } catch {
      // Not one of ours (or damaged): the next stanza may be.
    }
  }
  return undefined;
}

async function unwrapWithKms(group: KeyGroup, kmsDecrypt: KmsDecryptFunction | undefined, errors: string[]): Promise<Uint8Array | undefined> {
  if (group.kms.length === 0 || kmsDecrypt === undefined) return undefined;
  let transient: TidelineError | undefined;
  for (const key of group.kms) {
    try {
      return await kmsDecrypt(key.arn, Buffer.from(key.enc, 'base64'), key.context);
    } catch (error) {
      if (error instanceof TidelineError && error.code === 'Transient') transient = error;
      errors.push(`${key.arn}: ${error instanceof TidelineError ? error.detail : 'KMS Decrypt failed'}`);
    }
  }
  // Only a key that could not be reached at all is worth a retry; a refusal is final.
  if (transient !== undefined) throw transient;
  return undefined;
}

/** Caches data keys per wrapped key, so a file included by several overlays costs one unwrap (one KMS call). */
type DataKeyCache = Map<string, Promise<Uint8Array>>;

async function dataKeyFor(meta: SopsMetadata, keys: SopsKeys, source: SopsSource, cache: DataKeyCache): Promise<Uint8Array> {
  const cacheKey = [...meta.group.age.map((k) => k.enc), ...meta.group.kms.map((k) => k.enc)].join('\0');
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  const pending = (async () => {
    const kmsErrors: string[] = [];
    const key = (await unwrapWithAge(meta.group, keys.ageIdentities ?? [])) ?? (await unwrapWithKms(meta.group, keys.kmsDecrypt, kmsErrors));
    if (key === undefined) {
      const tried: string[] = [];
      if (meta.group.age.length > 0) {
        tried.push(`age recipients ${meta.group.age.map((k) => k.recipient).join(', ')} (${keys.ageIdentities?.length ?? 0} identities offered)`);
      }
      if (meta.group.kms.length > 0) {
        tried.push(keys.kmsDecrypt ? `AWS KMS keys ${kmsErrors.join('; ')}` : `AWS KMS keys ${meta.group.kms.map((k) => k.arn).join(', ')} (no KMS access configured)`);
      }
      if (meta.group.unsupported.length > 0) tried.push(`also wrapped for ${meta.group.unsupported.join(', ')} (not supported)`);
      throw fail(source, `no key could unwrap the sops data key: tried ${tried.join('; ')}`);
    }
    if (key.length !== 32) throw fail(source, `the unwrapped sops data key has ${key.length} bytes, not 32`);
    return key;
  })();
  cache.set(cacheKey, pending);
  pending.catch(() => cache.delete(cacheKey));
  return pending;
}

// --- values ------------------------------------------------------------------------------------

// `raw` keeps a string's exact bytes: a binary file's plaintext need not be UTF-8. `comment`
// marks a YAML comment SOPS stored as a list item (it encrypts comments inside lists that way).
type Decrypted = { type: 'str' | 'int' | 'float' | 'bool'; text: string; raw?: Buffer; comment?: true };

function openValue(ciphertext: string, dataKey: Uint8Array, additionalData: string, what: string, source: SopsSource): Decrypted {
  const match = ENCRYPTED_VALUE.exec(ciphertext);
  if (!match) throw fail(source, `${what} is not a sops-encrypted value (expected ENC[AES256_GCM,…])`);
  const [, data = '', iv = '', tag = '', type = ''] = match;
  if (!['str', 'int', 'float', 'bool', 'bytes', 'time', 'comment'].includes(type)) throw fail(source, `${what} has unknown sops value type "${type}"`);
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(iv, 'base64'), { authTagLength: 16 });
    decipher.setAAD(Buffer.from(additionalData, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    plain = Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]);
  } catch (error) {
    throw fail(source, `${what} failed authentication (tampered, moved to another key, or encrypted with another data key)`, error instanceof Error ? new Error(error.message) : undefined);
  }
  const text = plain.toString('utf8');
  if (type === 'int' && !/^[-+]?[0-9]+$/.test(text)) throw fail(source, `${what} is typed int but does not decrypt to an integer`);
  if (type === 'float' && !Number.isFinite(Number(text))) throw fail(source, `${what} is typed float but does not decrypt to a number`);
  if (type === 'bool' && !/^(1|0|t|f|T|F|true|false|TRUE|FALSE|True|False)$/.test(text)) throw fail(source, `${what} is typed bool but does not decrypt to a boolean`);
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
  const pointAt = (mantissa.replace('-', '').indexOf('.') === -1 ? mantissa.replace('-', '').length : mantissa.replace('-', '').indexOf('.')) + Number(exponentText);
  const body = pointAt <= 0 ? `0.${'0'.repeat(-pointAt)}${digits}` : pointAt >= digits.length ? digits + '0'.repeat(pointAt - digits.length) : `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
  return (negative ? '-' : '') + body;
}

/** The bytes SOPS feeds the MAC for a plaintext leaf (`ToBytes`): Python-style booleans, Go number text. */
function macText(value: Decrypted): string {
  if (value.type === 'bool') return /^(1|t|T|true|TRUE|True)$/.test(value.text) ? 'True' : 'False';
  if (value.type === 'int') return BigInt(value.text).toString();
  if (value.type === 'float') return fixedFloatText(Number(value.text));
  return value.text;
}

/** How SOPS' YAML/JSON stores see an unencrypted plaintext leaf (go-yaml v3 typing), or null for nulls. */
function plainLeaf(node: Scalar): Decrypted | null {
  let value;
  try {
    value = toGoValue(node);
  } catch (error) {
    if (error instanceof GoValueError) return { type: 'str', text: String(node.value) };
    throw error;
  }
  if (value === null) return null;
  if (typeof value === 'boolean') return { type: 'bool', text: value ? 'true' : 'false' };
  if (value instanceof GoNumber) {
    const text = value.text;
    return /^-?[0-9]+$/.test(text) ? { type: 'int', text } : { type: 'float', text };
  }
  return { type: 'str', text: String(value) };
}

function scalarFor(value: Decrypted): Scalar {
  switch (value.type) {
    case 'str':
      return stringScalar(value.text);
    case 'int':
      return new Scalar(BigInt(value.text));
    case 'float':
      return new Scalar(Number(value.text));
    case 'bool':
      return new Scalar(/^(1|t|T|true|TRUE|True)$/.test(value.text));
  }
}

interface WalkState {
  dataKey: Uint8Array;
  meta: SopsMetadata;
  source: SopsSource;
  mac: ReturnType<typeof createHash>;
  /** Filled with the exact plaintext bytes of each decrypted string scalar, when a caller needs them. */
  rawLeaves?: Map<YamlNode, Buffer>;
  /** Decrypted list items that were comments. */
  commentItems: Set<YamlNode>;
}

/** Decrypts the leaves below `node` in place, in document order (the MAC depends on the order). */
function walk(node: YamlNode | null | undefined, path: readonly string[], state: WalkState): YamlNode | null | undefined {
  if (isMap(node)) {
    for (const pair of node.items) pair.value = walk(pair.value as YamlNode | null, [...path, keyText(pair.key)], state) ?? null;
    return node;
  }
  if (isSeq(node)) {
    // List items share their list's path: SOPS does not put indices into the additional data.
    // Comments SOPS encrypted as list items go back to being comments before the next item.
    const items: unknown[] = [];
    let pending: string[] = [];
    for (const item of node.items) {
      const out = walk(item as YamlNode | null, path, state) ?? null;
      if (isScalar(out) && state.commentItems.has(out)) {
        pending.push(String(out.value));
        continue;
      }
      if (pending.length > 0 && out !== null) {
        out.commentBefore = [...pending, ...(out.commentBefore ? [out.commentBefore] : [])].join('\n');
        pending = [];
      }
      items.push(out);
    }
    if (pending.length > 0) node.comment = [...(node.comment ? [node.comment] : []), ...pending].join('\n');
    node.items = items;
    return node;
  }
  if (!isScalar(node)) return node;
  const encrypted = isEncryptedPath(state.meta.rule, path);
  const what = `value at ${path.join('.') || '(root)'}`;
  let leaf: Decrypted | null;
  let replacement: YamlNode = node;
  if (encrypted) {
    if (node.value === null || node.value === undefined) return node;
    if (typeof node.value !== 'string') throw fail(state.source, `${what} should be encrypted but is a plain ${typeof node.value}`);
    if (node.value === '') leaf = { type: 'str', text: '' };
    else {
      leaf = openValue(node.value, state.dataKey, `${path.join(':')}:`, what, state.source);
      replacement = scalarFor(leaf);
      // Comments belong to the place, not the value: a printer of the plaintext keeps them.
      replacement.commentBefore = node.commentBefore;
      replacement.comment = node.comment;
      if (leaf.raw) state.rawLeaves?.set(replacement, leaf.raw);
      if (leaf.comment) {
        // Comments are not part of the MAC.
        state.commentItems.add(replacement);
        return replacement;
      }
    }
  } else {
    leaf = plainLeaf(node);
  }
  if (leaf !== null && (encrypted || !state.meta.macOnlyEncrypted)) {
    if (leaf.raw) state.mac.update(leaf.raw);
    else state.mac.update(macText(leaf), 'utf8');
  }
  return replacement;
}

/** RFC 3339 as Go re-prints the parsed `lastmodified` (whole seconds), the MAC's additional data. */
function lastModifiedAad(text: string): string {
  return text.replace(/(T\d{2}:\d{2}:\d{2})\.\d+/, '$1');
}

/** Decrypts `root` in place; on failure it may be left partly decrypted, so callers own a copy. */
async function decryptInPlace(root: YAMLMap, keys: SopsKeys, source: SopsSource, options: SopsDecryptOptions, cache: DataKeyCache): Promise<YAMLMap> {
  await decryptTree(root, keys, source, options, cache);
  return root;
}

/**
 * {@link decryptInPlace} for whole files: also fills `rawLeaves` and returns the data key, which
 * the file readers need again for the comments SOPS encrypts outside the tree.
 */
async function decryptTree(root: YAMLMap, keys: SopsKeys, source: SopsSource, options: SopsDecryptOptions, cache: DataKeyCache, rawLeaves?: Map<YamlNode, Buffer>): Promise<Uint8Array> {
  const meta = readMetadata(root, source);
  const dataKey = await dataKeyFor(meta, keys, source, cache);
  root.items = root.items.filter((pair) => !(isScalar(pair.key) && pair.key.value === SOPS_METADATA_KEY));
  const state: WalkState = { dataKey, meta, source, mac: createHash('sha512'), commentItems: new Set(), ...(rawLeaves ? { rawLeaves } : {}) };
  if (meta.macOnlyEncrypted) state.mac.update(MAC_ONLY_ENCRYPTED_INIT);
  walk(root, [], state);
  if (options.verifyMac ?? true) {
    const stored = openValue(meta.mac, dataKey, lastModifiedAad(meta.lastModified), 'the sops mac', source).text;
    const computed = state.mac.digest('hex').toUpperCase();
    if (stored.length !== computed.length || !timingSafeEqual(Buffer.from(stored), Buffer.from(computed))) {
      throw fail(source, 'the sops MAC does not match the document (a value was changed, added or removed after encryption)');
    }
  }
  return dataKey;
}

/**
 * Decrypts a SOPS-encrypted document given as a parsed YAML map (as the renderer holds objects,
 * aliases expanded): returns a copy with every encrypted leaf replaced by its typed plaintext and
 * the `sops` block removed; the input is left untouched, also when decryption fails. Verifies the
 * MAC unless `options.verifyMac` is false.
 */
export async function decryptSopsNode(root: YAMLMap, keys: SopsKeys, source: SopsSource, options: SopsDecryptOptions = {}, cache: DataKeyCache = new Map()): Promise<YAMLMap> {
  return decryptInPlace(cloneNode(root), keys, source, options, cache);
}

/**
 * Decrypts a SOPS-encrypted YAML or JSON text (one document) into its plaintext as a plain value
 * (integers beyond 2^53 stay bigints). `file` names the input in errors.
 */
export async function decryptSopsText(text: string, keys: SopsKeys, file: string, options: SopsDecryptOptions = {}): Promise<unknown> {
  return createSopsDecryptor(keys).decryptText(text, file, options);
}

/** Integers come out of the parser as bigints; those a JS number holds exactly become numbers. */
function safeNumbers(value: unknown): unknown {
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  if (Array.isArray(value)) return value.map(safeNumbers);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, safeNumbers(item)]));
  return value;
}

/** A decryptor bound to its keys, sharing unwrapped data keys between the documents it decrypts. */
export interface SopsDecryptor {
  /** See {@link decryptSopsNode}. */
  decryptNode(root: YAMLMap, source: SopsSource, options?: SopsDecryptOptions): Promise<YAMLMap>;
  /** See {@link decryptSopsText}. */
  decryptText(text: string, file: string, options?: SopsDecryptOptions): Promise<unknown>;
  /** See {@link decryptSopsFile}. */
  decryptFile(bytes: Uint8Array, input: SopsFileFormat, output: SopsFileFormat, source: SopsSource): Promise<Buffer>;
}

/** Builds a {@link SopsDecryptor} over a set of keys (one per render: data keys are cached for its life). */
export function createSopsDecryptor(keys: SopsKeys): SopsDecryptor {
  const cache: DataKeyCache = new Map();
  return {
    decryptNode: (root, source, options) => decryptSopsNode(root, keys, source, options, cache),
    decryptFile: (bytes, input, output, source) => decryptFileWith(bytes, input, output, source, keys, cache),
    decryptText: async (text, file, options) => {
      // Duplicate keys are found in one pass (the parser's own check is quadratic in a map's size).
      const doc = parseDocument(text, { schema: 'core', intAsBigInt: true, uniqueKeys: false, prettyErrors: false });
      const error = doc.errors[0];
      if (error) throw new InvalidInputError(`invalid YAML/JSON: ${error.message.split('\n')[0]}`, { source: { file } });
      if (firstDuplicateKey(doc.contents) !== undefined) throw new InvalidInputError('invalid YAML/JSON: Map keys must be unique', { source: { file } });
      if (!isMap(doc.contents)) throw new InvalidInputError('a sops-encrypted document is a mapping at the top', { source: { file } });
      // The parsed document is private to this call, so it is decrypted in place.
      await decryptInPlace(doc.contents, keys, { where: file, file }, options ?? {}, cache);
      // Aliases are expanded with a cap, so an alias bomb fails instead of exhausting memory.
      try {
        return safeNumbers(doc.toJS({ maxAliasCount: 100 }) as unknown);
      } catch (error) {
        throw new InvalidInputError(`cannot expand the decrypted document: ${(error as Error).message}`, { source: { file } });
      }
    },
  };
}

// --- whole files ---------------------------------------------------------------------------------

/** A decrypted file before it is written out: its tree, the raw bytes of its strings, its comments (dotenv). */
interface PlainTree {
  root: YAMLMap;
  /** The parsed YAML/JSON document, comments decrypted. */
  doc?: Document;
  /** The sections of an INI file, values and comments decrypted. */
  ini?: IniSection[];
  rawLeaves: Map<YamlNode, Buffer>;
  dotenv?: DotenvItem[];
}

const TOP_LEVEL_COMMENT = /^ENC\[AES256_GCM,[^\]]*,type:comment\]$/;

/** Turns the flattened metadata of a dotenv file into the `sops` node the reader expects (typed where SOPS types it). */
function metadataNode(entries: readonly { key: string; value: string }[], file: string): YamlNode {
  const meta = unflattenSopsMetadata(entries, file) as Record<string, unknown>;
  if (meta['mac_only_encrypted'] !== undefined) meta['mac_only_encrypted'] = meta['mac_only_encrypted'] === 'true';
  if (typeof meta['shamir_threshold'] === 'string') meta['shamir_threshold'] = Number(meta['shamir_threshold']);
  return parseDocument('{}').createNode(meta) as YamlNode;
}

async function decryptDotenv(text: string, keys: SopsKeys, source: SopsSource, cache: DataKeyCache): Promise<PlainTree> {
  const file = source.file ?? source.where;
  const items = parseSopsDotenv(text, file);
  const metadata: { key: string; value: string }[] = [];
  const body: DotenvItem[] = [];
  for (const item of items) {
    if ('key' in item && item.key.startsWith(SOPS_FLAT_PREFIX)) metadata.push(item);
    else body.push(item);
  }
  if (metadata.length === 0) throw fail(source, 'no sops metadata (sops_* entries): the dotenv file is not encrypted with sops');
  const root = parseDocument('{}').contents as YAMLMap;
  const seen = new Set<string>();
  for (const item of body) {
    if (!('key' in item)) continue;
    if (seen.has(item.key)) throw fail(source, `key "${item.key}" appears more than once`);
    seen.add(item.key);
    root.items.push(new Pair(stringScalar(item.key), stringScalar(item.value)));
  }
  root.items.push(new Pair(stringScalar(SOPS_METADATA_KEY), metadataNode(metadata, file)));
  const rawLeaves = new Map<YamlNode, Buffer>();
  // Comments are encrypted with the empty path and are not part of the MAC; like SOPS, one that
  // does not decrypt is kept as it stands (files from older SOPS versions hold plain comments).
  const dataKey = await decryptTree(root, keys, source, { verifyMac: true }, cache, rawLeaves);
  const plainValues = new Map(root.items.map((pair) => [keyText(pair.key), pair.value]));
  const dotenv: DotenvItem[] = body.map((item) => {
    if ('key' in item) {
      const value = plainValues.get(item.key);
      return { key: item.key, value: isScalar(value) ? String(value.value ?? '') : item.value };
    }
    if (!TOP_LEVEL_COMMENT.test(item.comment)) return item;
    try {
      return { comment: openValue(item.comment, dataKey, ':', 'a comment', source).text };
    } catch {
      return item;
    }
  });
  return { root, rawLeaves, dotenv };
}

/**
 * Decrypts the comments of a YAML file (SOPS encrypts each comment line with the path of the map
 * or list holding it) and places them as `sops decrypt` prints them: every comment on its own
 * line before the next key or item, the ones after the last at the end. A comment that does not
 * decrypt is kept as it stands, as SOPS keeps it.
 */
function decryptYamlComments(doc: Document, dataKey: Uint8Array, source: SopsSource): void {
  const open = (line: string, path: readonly string[]): string => {
    if (!TOP_LEVEL_COMMENT.test(line)) return line;
    try {
      return openValue(line, dataKey, `${path.join(':')}:`, 'a comment', source).text;
    } catch {
      return line;
    }
  };
  const lines = (comment: string | null | undefined, path: readonly string[]): string[] =>
    comment ? comment.split('\n').filter((line) => line !== '').map((line) => open(line, path)) : [];
  const visit = (node: unknown, path: readonly string[], leading: string[]): void => {
    if (!isMap(node) && !isSeq(node)) return;
    let pending = [...leading, ...lines(node.commentBefore, path)];
    node.commentBefore = null;
    const entries: { head: YamlNode; value: unknown }[] = isMap(node)
      ? node.items.map((pair) => ({ head: pair.key as YamlNode, value: pair.value }))
      : node.items.map((item) => ({ head: item as YamlNode, value: item }));
    for (const { head, value } of entries) {
      if (head === null || typeof head !== 'object') continue;
      pending.push(...lines(head.commentBefore, path));
      if (head !== value) pending.push(...lines(head.comment, path));
      head.comment = null;
      let inner: string[] = [];
      if (isScalar(value)) {
        if (value !== head) pending.push(...lines(value.commentBefore, path));
        pending.push(...lines(value.comment, path));
        value.commentBefore = null;
        value.comment = null;
      }
      const childPath = isMap(node) ? [...path, keyText(head)] : path;
      if ((isMap(value) || isSeq(value)) && head !== value) {
        // A comment the parser gave the collection itself stands before its first entry.
        inner = lines(value.commentBefore, childPath);
        value.commentBefore = null;
      }
      head.commentBefore = pending.length > 0 ? pending.join('\n') : null;
      pending = [];
      if (isMap(value) || isSeq(value)) visit(value, childPath, inner);
      // A map that is a list item carries the comments before its first key in front of its dash.
      const firstKey = isMap(value) && head === value ? (value.items[0]?.key as YamlNode | undefined) : undefined;
      if (isMap(value) && firstKey && typeof firstKey === 'object' && firstKey.commentBefore) {
        value.commentBefore = firstKey.commentBefore;
        firstKey.commentBefore = null;
      }
    }
    const trailing = [...lines(node.comment, path), ...pending];
    // go-yaml v3 prints no comment with an empty map or list (`{}`, `[]`).
    node.comment = trailing.length > 0 && entries.length > 0 ? trailing.join('\n') : null;
  };
  const root = doc.contents;
  visit(root, [], lines(doc.commentBefore, []));
  doc.commentBefore = null;
  const docTrailing = lines(doc.comment, []);
  if (docTrailing.length > 0 && (isMap(root) || isSeq(root))) root.comment = [...(root.comment ? [root.comment] : []), ...docTrailing].join('\n');
  doc.comment = null;
}

async function decryptDocument(text: string, keys: SopsKeys, source: SopsSource, cache: DataKeyCache): Promise<PlainTree> {
  // Duplicate keys are found in one pass (the parser's own check is quadratic in a map's size).
  const doc = parseDocument(text, { schema: 'core', intAsBigInt: true, uniqueKeys: false, prettyErrors: false });
  const error = doc.errors[0];
  if (error) throw fail(source, `invalid YAML/JSON: ${error.message.split('\n')[0]}`);
  if (firstDuplicateKey(doc.contents) !== undefined) throw fail(source, 'invalid YAML/JSON: Map keys must be unique');
  if (!isMap(doc.contents)) throw fail(source, 'a sops-encrypted file is a mapping at the top');
  // Comments after the last key sit before the metadata SOPS appends; they end the document.
  const sopsKey = doc.contents.items.find((pair) => isScalar(pair.key) && pair.key.value === SOPS_METADATA_KEY)?.key;
  if (isScalar(sopsKey) && sopsKey.commentBefore) doc.contents.comment = [sopsKey.commentBefore, ...(doc.contents.comment ? [doc.contents.comment] : [])].join('\n');
  const rawLeaves = new Map<YamlNode, Buffer>();
  const dataKey = await decryptTree(doc.contents, keys, source, { verifyMac: true }, cache, rawLeaves);
  decryptYamlComments(doc, dataKey, source);
  return { root: doc.contents, rawLeaves, doc };
}

/** SOPS' INI store keeps a comment without its leading `;`/`#` characters and spaces. */
function stripIniComment(comment: string): string {
  if (comment.startsWith(';')) return comment.replace(/^[; ]+/, '');
  if (comment.startsWith('#')) return comment.replace(/^[# ]+/, '');
  return comment;
}

async function decryptIni(text: string, keys: SopsKeys, source: SopsSource, cache: DataKeyCache): Promise<PlainTree> {
  const file = source.file ?? source.where;
  const sections = parseGoIni(text, file);
  const metaSection = sections.find((section) => section.name === SOPS_METADATA_KEY);
  if (!metaSection) throw fail(source, 'no [sops] section: the INI file is not encrypted with sops');
  // The INI store flattens the metadata below the section and escapes newlines in its values.
  const entries = metaSection.keys.map((key) => ({ key: `${SOPS_FLAT_PREFIX}${key.name}`, value: key.value.replaceAll('\\n', '\n') }));
  const body = sections.filter((section) => section !== metaSection);
  const root = parseDocument('{}').contents as YAMLMap;
  const sectionMaps = body.map((section) => {
    const map = parseDocument('{}').contents as YAMLMap;
    for (const key of section.keys) map.items.push(new Pair(stringScalar(key.name), stringScalar(key.value)));
    root.items.push(new Pair(stringScalar(section.name), map));
    return map;
  });
  root.items.push(new Pair(stringScalar(SOPS_METADATA_KEY), metadataNode(entries, file)));
  const rawLeaves = new Map<YamlNode, Buffer>();
  const dataKey = await decryptTree(root, keys, source, { verifyMac: true }, cache, rawLeaves);
  // Comments are encrypted with their section's path; one that does not decrypt stays as it is.
  const openComment = (comment: string, section: string): string => {
    const stripped = stripIniComment(comment);
    if (!TOP_LEVEL_COMMENT.test(stripped)) return stripped;
    try {
      return openValue(stripped, dataKey, `${section}:`, 'a comment', source).text;
    } catch {
      return stripped;
    }
  };
  const ini = body.map((section, index): IniSection => ({
    name: section.name,
    comment: section.comment ? openComment(section.comment, section.name) : '',
    keys: section.keys.map((key, keyIndex) => {
      const value = sectionMaps[index]?.items[keyIndex]?.value;
      return { ...key, value: isScalar(value) ? String(value.value ?? '') : key.value, comment: key.comment ? openComment(key.comment, section.name) : '' };
    }),
  }));
  return { root, rawLeaves, ini };
}

/** The tree as SOPS' INI store writes it: top-level keys are sections of scalar values. */
function emitIniFile(tree: PlainTree, source: SopsSource): Buffer {
  if (tree.ini) return Buffer.from(emitGoIni(tree.ini), 'utf8');
  const sections: IniSection[] = tree.root.items.map((pair) => {
    if (!isMap(pair.value)) throw fail(source, `key "${keyText(pair.key)}" is not a map, which an INI section must be`);
    return {
      name: keyText(pair.key),
      comment: '',
      keys: pair.value.items.map((item) => {
        if (!isScalar(item.value) && item.value !== null) throw fail(source, `key "${keyText(pair.key)}.${keyText(item.key)}" holds a map or list, which INI cannot`);
        return { name: keyText(item.key), value: isScalar(item.value) ? String(item.value.value ?? '') : '', comment: '', autoIncrement: false };
      }),
    };
  });
  return Buffer.from(emitGoIni(sections), 'utf8');
}

/** go-yaml v3 (as `sops decrypt` uses it) double-quotes these YAML 1.1 booleans and sexagesimal floats too. */
const YAML11_BOOLEANS = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/;
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;

/** The style go-yaml v3 prints a string in: literal when multi-line, double-quoted when it would read as another type, else plain, single- or double-quoted as the characters allow. */
function goYamlV3StringStyle(value: string): Scalar['type'] {
  if (value.includes('\n')) return 'BLOCK_LITERAL';
  if (resolvePlainV3(value).kind !== 'str' || YAML11_BOOLEANS.test(value) || BASE60_FLOAT.test(value)) return 'QUOTE_DOUBLE';
  const allowed = blockScalarStylesAllowed(value);
  return allowed.plain ? 'PLAIN' : allowed.singleQuoted ? 'QUOTE_SINGLE' : 'QUOTE_DOUBLE';
}

/** A JSON string as Go's encoding/json writes it: HTML characters and line separators escaped. */
function goJsonString(value: string): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The tree as `sops decrypt` prints a YAML file: four-space indentation, sequences indented, no folding. */
function emitYamlFile(tree: PlainTree): Buffer {
  const doc = parseDocument('{}');
  const plain = (node: unknown): unknown => {
    if (isMap(node)) {
      for (const pair of node.items) {
        pair.key = plain(pair.key);
        pair.value = plain(pair.value);
      }
      return node;
    }
    if (isSeq(node)) {
      node.items = node.items.map(plain);
      return node;
    }
    if (isScalar(node)) {
      const value = node.value;
      node.type = typeof value === 'string' ? goYamlV3StringStyle(value) : undefined;
      return node;
    }
    return node;
  };
  doc.contents = plain(tree.root) as typeof doc.contents;
  return Buffer.from(doc.toString({ indent: 4, indentSeq: true, lineWidth: 0, minContentWidth: 0, blockQuote: 'literal' }), 'utf8');
}

function jsonValue(node: unknown, depth: number, file: string, source: SopsSource): string {
  const pad = '\t'.repeat(depth + 1);
  const close = '\t'.repeat(depth);
  if (isMap(node)) {
    if (node.items.length === 0) return '{}';
    return `{\n${node.items.map((pair) => `${pad}${goJsonString(keyText(pair.key))}: ${jsonValue(pair.value, depth + 1, file, source)}`).join(',\n')}\n${close}}`;
  }
  if (isSeq(node)) {
    if (node.items.length === 0) return '[]';
    return `[\n${node.items.map((item) => `${pad}${jsonValue(item, depth + 1, file, source)}`).join(',\n')}\n${close}]`;
  }
  if (isScalar(node)) {
    const value = node.value;
    if (value === null || value === undefined) return 'null';
    if (typeof value === 'string') return goJsonString(value);
    if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
    if (typeof value === 'number') return Object.is(value, -0) ? '-0' : Number.isFinite(value) ? String(value) : 'null';
  }
  if (node === null || node === undefined) return 'null';
  throw fail(source, 'the decrypted file holds a value JSON cannot express');
}

/** The tree as `sops decrypt` prints a JSON file: tab-indented, keys in file order. */
function emitJsonFile(tree: PlainTree, source: SopsSource): Buffer {
  return Buffer.from(`${jsonValue(tree.root, 0, source.file ?? source.where, source)}\n`, 'utf8');
}

function emitDotenvFile(tree: PlainTree, source: SopsSource): Buffer {
  if (tree.dotenv) return Buffer.from(emitSopsDotenv(tree.dotenv), 'utf8');
  const items: DotenvItem[] = [];
  for (const pair of tree.root.items) {
    if (!isScalar(pair.value) && pair.value !== null) throw fail(source, `key "${keyText(pair.key)}" holds a map or list, which a dotenv file cannot`);
    items.push({ key: keyText(pair.key), value: isScalar(pair.value) ? String(pair.value.value ?? '') : '' });
  }
  return Buffer.from(emitSopsDotenv(items), 'utf8');
}

/** A binary file's plaintext is the exact bytes of its `data` string. */
function emitBinaryFile(tree: PlainTree, source: SopsSource): Buffer {
  const data = tree.root.items.find((pair) => keyText(pair.key) === 'data')?.value;
  if (!isScalar(data) || typeof data.value !== 'string') throw fail(source, 'no binary data (a "data" string) in the decrypted file');
  return tree.rawLeaves.get(data as YamlNode) ?? Buffer.from(data.value, 'utf8');
}

async function decryptFileWith(bytes: Uint8Array, input: SopsFileFormat, output: SopsFileFormat, source: SopsSource, keys: SopsKeys, cache: DataKeyCache): Promise<Buffer> {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const tree =
    input === 'dotenv' ? await decryptDotenv(text, keys, source, cache) : input === 'ini' ? await decryptIni(text, keys, source, cache) : await decryptDocument(text, keys, source, cache);
  switch (output) {
    case 'ini':
      return emitIniFile(tree, source);
    case 'yaml':
      return emitYamlFile(tree);
    case 'json':
      return emitJsonFile(tree, source);
    case 'dotenv':
      return emitDotenvFile(tree, source);
    case 'binary':
      return emitBinaryFile(tree, source);
  }
}

/**
 * Decrypts a whole file encrypted by `sops` in one of its stores (`input`: YAML, JSON, dotenv or
 * binary) and returns the plaintext file as `sops decrypt --output-type <output>` writes it — what
 * Flux puts in place of an encrypted generator input. Unlike rendered objects, nothing has edited
 * the file since it was encrypted, so its MAC is checked. Errors name `source`, never a value.
 */
export async function decryptSopsFile(bytes: Uint8Array, input: SopsFileFormat, output: SopsFileFormat, keys: SopsKeys, source: SopsSource): Promise<Buffer> {
  return decryptFileWith(bytes, input, output, source, keys, new Map());
}
