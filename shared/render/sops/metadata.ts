/**
 * The `sops` metadata block of an encrypted document: which keys wrap its data key (one key group
 * of age recipients and AWS KMS keys; other key types are named and refused), its MAC and
 * `lastmodified`, and the rule deciding which leaves are encrypted — `unencrypted_suffix`
 * (default `_unencrypted`), `encrypted_suffix`, `unencrypted_regex` or `encrypted_regex`, matched
 * against every key of a leaf's path.
 */
import { type YAMLMap, isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import { keyText } from '../yaml/go-value.ts';
import { unflattenSopsMetadata } from './formats.ts';
import { sopsError, type SopsSource } from './source.ts';

/** The key name SOPS stores its metadata under, at the top of the document. */
export const SOPS_METADATA_KEY = 'sops';

const DEFAULT_UNENCRYPTED_SUFFIX = '_unencrypted';
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
/** The keys that wrap a data key (SOPS' one key group). */
export interface KeyGroup {
  age: AgeKey[];
  kms: KmsKey[];
  unsupported: string[];
}
/** Which leaves are encrypted: one of the four options SOPS offers. */
export type CryptRule = { kind: 'unencrypted_suffix' | 'encrypted_suffix'; suffix: string } | { kind: 'unencrypted_regex' | 'encrypted_regex'; regex: RegExp };

/** The parts of the `sops` block decryption needs. */
export interface SopsMetadata {
  group: KeyGroup;
  mac: string;
  lastModified: string;
  rule: CryptRule;
  macOnlyEncrypted: boolean;
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
    throw sopsError(
      source,
      group.unsupported.length > 0
        ? `its data key is only wrapped for ${group.unsupported.join(', ')}, which Tideline does not support (use age or AWS KMS)`
        : 'the sops metadata lists no key that wraps the data key',
    );
  }
  return group;
}

/** Go's RE2 syntax is close enough to JavaScript's for these options, except leading inline flags. */
function compileRegex(pattern: string, option: string, source: SopsSource): RegExp {
  const flags = /^\(\?([ims]+)\)/.exec(pattern);
  try {
    return flags ? new RegExp(pattern.slice(flags[0].length), flags[1]) : new RegExp(pattern);
  } catch (error) {
    throw sopsError(source, `sops ${option} is not a regular expression Tideline can evaluate`, error);
  }
}

/** Reads the `sops` block of a document's top-level map, refusing what Tideline cannot decrypt. */
export function readMetadata(root: YAMLMap, source: SopsSource): SopsMetadata {
  const sopsNode = root.items.find((pair) => isScalar(pair.key) && pair.key.value === SOPS_METADATA_KEY)?.value;
  if (!isMap(sopsNode)) throw sopsError(source, 'no sops metadata block (the document is not encrypted with sops)');
  const meta = plainOf(sopsNode) as Record<string, Plain>;
  const mac = stringField(meta, 'mac');
  const lastModified = stringField(meta, 'lastmodified');
  if (mac === undefined || mac === '') throw sopsError(source, 'the sops metadata has no mac');
  if (lastModified === undefined) throw sopsError(source, 'the sops metadata has no lastmodified');

  const groups = asList(meta['key_groups']);
  const threshold = typeof meta['shamir_threshold'] === 'number' || typeof meta['shamir_threshold'] === 'bigint' ? Number(meta['shamir_threshold']) : 0;
  if (groups.length > 1 || threshold > 1) {
    throw sopsError(
      source,
      `its data key is split over ${groups.length} key groups (shamir threshold ${threshold}), which Tideline does not support; use one key group`,
    );
  }
  const group = readGroup(groups[0] ?? meta, source);

  for (const option of ['encrypted_comment_regex', 'unencrypted_comment_regex']) {
    if (stringField(meta, option)) throw sopsError(source, `sops ${option} is not supported (comments do not survive rendering, as in Flux)`);
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
  if (rules.length > 1)
    throw sopsError(source, 'the sops metadata sets more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex and unencrypted_regex');
  return {
    group,
    mac,
    lastModified,
    rule: rules[0] ?? { kind: 'unencrypted_suffix', suffix: DEFAULT_UNENCRYPTED_SUFFIX },
    macOnlyEncrypted: meta['mac_only_encrypted'] === true,
  };
}

/** Whether the leaf at `path` is encrypted, as SOPS decides it: any key of the path may match. */
export function isEncryptedPath(rule: CryptRule, path: readonly string[]): boolean {
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

/** Turns the flattened metadata of a dotenv or INI file into the `sops` node the reader expects (typed where SOPS types it). */
export function metadataNode(entries: readonly { key: string; value: string }[], file: string): YamlNode {
  const meta = unflattenSopsMetadata(entries, file) as Record<string, unknown>;
  if (meta['mac_only_encrypted'] !== undefined) meta['mac_only_encrypted'] = meta['mac_only_encrypted'] === 'true';
  if (typeof meta['shamir_threshold'] === 'string') meta['shamir_threshold'] = Number(meta['shamir_threshold']);
  return parseDocument('{}').createNode(meta) as YamlNode;
}
