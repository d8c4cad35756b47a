/**
 * The stored format of a registered cluster: the value of the secret `<prefix>clusters/<name>`.
 *
 * A record is a JSON document — or YAML, since operators often paste kubeconfigs — of one of two
 * shapes:
 *
 * ```yaml
 * labels: { env: prod, region: eu }   # optional; used by fleet selectors
 * kubeconfig: |                       # a kubeconfig document (text, or the mapping itself)
 *   apiVersion: v1
 *   kind: Config
 *   …
 * context: prod-admin                 # optional; the kubeconfig's current context when absent
 * ```
 *
 * ```yaml
 * labels: { env: prod }
 * eks:
 *   cluster: arn:aws:eks:eu-west-1:123456789012:cluster/prod   # or the cluster name
 *   region: eu-west-1        # optional with an ARN (taken from it), required with a name
 *   endpoint: https://…      # optional: looked up with eks:DescribeCluster when absent
 *   caData: LS0tLS1CRUdJTi…  # optional: base64 PEM CA, looked up likewise
 *   roleArn: arn:aws:iam::123456789012:role/tideline-apply  # optional role to assume
 * ```
 *
 * A record holds credentials (a kubeconfig's tokens and keys), so errors name the cluster and the
 * field at fault and never quote any value of the document.
 */
import yaml from 'js-yaml';
import * as z from '#shared/zod.ts';
import { InvalidInputError } from '#shared/errors/index.ts';
import type { ClusterRecord } from '#shared/ports/index.ts';

/** `arn:<partition>:eks:<region>:<account>:cluster/<name>` — the ARN form of an EKS cluster. */
const EKS_CLUSTER_ARN = /^arn:aws[a-z-]*:eks:([a-z0-9-]+):\d{12}:cluster\/([A-Za-z0-9][A-Za-z0-9_-]*)$/;
const EKS_CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const BASE64 = /^[A-Za-z0-9+/=\s]+$/;
const STRING = { error: 'must be a string' };

const labelsSchema = z.record(z.string().check(z.minLength(1, 'a label name is empty')), z.string({ error: 'a label value must be a string' }), {
  error: 'must be a mapping of label names to strings',
});

const kubeconfigRecordSchema = z.strictObject({
  labels: z.optional(labelsSchema),
  // A mapping is accepted too: a kubeconfig pasted as-is into a YAML record.
  kubeconfig: z.union([z.string().check(z.refine((text) => text.trim() !== '', 'is empty')), z.record(z.string(), z.unknown())], {
    error: 'must be a kubeconfig document (text or mapping)',
  }),
  context: z.optional(z.string(STRING).check(z.minLength(1, 'is empty'))),
});

const eksRecordSchema = z.strictObject({
  labels: z.optional(labelsSchema),
  eks: z.strictObject(
    {
      cluster: z.string({ error: 'is required (the EKS cluster name or ARN)' }).check(
        z.refine((value) => EKS_CLUSTER_ARN.test(value) || EKS_CLUSTER_NAME.test(value), {
          error: 'is neither an EKS cluster name nor an EKS cluster ARN',
        }),
      ),
      region: z.optional(z.string(STRING).check(z.regex(AWS_REGION, 'is not an AWS region name'))),
      endpoint: z.optional(z.string(STRING).check(z.regex(/^https:\/\/[^\s/]+(\/\S*)?$/, 'must be an https:// URL'))),
      caData: z.optional(z.string(STRING).check(z.regex(BASE64, 'must be base64 (of the PEM CA bundle)'))),
      roleArn: z.optional(z.string(STRING).check(z.regex(IAM_ROLE_ARN, 'is not an IAM role ARN'))),
    },
    { error: 'must be a mapping' },
  ),
});

/**
 * Parses the stored record of cluster `name` (JSON or YAML text) into a {@link ClusterRecord}.
 * Throws InvalidInputError naming the cluster and the offending field — never a value, since a
 * record may hold a kubeconfig's credentials.
 */
export function parseClusterRecord(name: string, text: string): ClusterRecord {
  const where = `cluster ${name}`;
  const document = loadDocument(where, text);
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new InvalidInputError(`${where}: the record must be a mapping with either "kubeconfig" or "eks"`);
  }
  const hasKubeconfig = 'kubeconfig' in document;
  const hasEks = 'eks' in document;
  if (hasKubeconfig === hasEks) {
    throw new InvalidInputError(`${where}: the record must have exactly one of "kubeconfig" or "eks"${hasKubeconfig ? ' (it has both)' : ''}`);
  }
  if (hasKubeconfig) {
    const record = check(where, kubeconfigRecordSchema, document);
    const kubeconfig = typeof record.kubeconfig === 'string' ? record.kubeconfig : yaml.dump(record.kubeconfig);
    const access: ClusterRecord['access'] = { type: 'kubeconfig', kubeconfig };
    if (record.context !== undefined) access.context = record.context;
    return { name, labels: record.labels ?? {}, access };
  }
  const { labels, eks } = check(where, eksRecordSchema, document);
  const arnRegion = EKS_CLUSTER_ARN.exec(eks.cluster)?.[1];
  if (arnRegion && eks.region && eks.region !== arnRegion) {
    throw new InvalidInputError(`${where}: field eks.region differs from the region of the cluster ARN in eks.cluster`);
  }
  const region = eks.region ?? arnRegion;
  if (!region) throw new InvalidInputError(`${where}: field eks.region is required when eks.cluster is a name rather than an ARN`);
  const access: ClusterRecord['access'] = { type: 'eks', clusterName: eks.cluster, region };
  if (eks.endpoint !== undefined) access.endpoint = eks.endpoint;
  if (eks.caData !== undefined) access.caData = eks.caData.replace(/\s+/g, '');
  if (eks.roleArn !== undefined) access.roleArn = eks.roleArn;
  return { name, labels: labels ?? {}, access };
}

/** JSON when it looks like JSON, YAML otherwise; parser messages are dropped as they quote the text. */
function loadDocument(where: string, text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed) throw new InvalidInputError(`${where}: the record is empty`);
  if (trimmed.startsWith('{')) {
    try {
      return JSON.parse(trimmed);
    } catch {
      // Not JSON after all (YAML flow mappings start with `{` too): YAML below decides.
    }
  }
  try {
    // The core schema: no timestamps or other implicit types a record has no use for.
    return yaml.load(text, { schema: yaml.CORE_SCHEMA });
  } catch (error) {
    const line = (error as { mark?: { line?: number } }).mark?.line;
    throw new InvalidInputError(`${where}: the record is neither JSON nor YAML${line === undefined ? '' : ` (syntax error on line ${line + 1})`}`);
  }
}

/** Validates with `schema`, reporting every issue as `field <path>: <problem>` without values. */
function check<T>(where: string, schema: z.ZodMiniType<T>, document: unknown): T {
  const result = schema.safeParse(document);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const base = issue.path.length ? `${issue.path.join('.')}.` : '';
      return `unknown field ${issue.keys.map((key) => base + key).join(', ')}`;
    }
    const field = issue.path.map(String).join('.') || 'the record';
    // zod's own messages name types and patterns, never the input.
    return `field ${field} ${issue.message.replace(/^Invalid input: /, '')}`;
  });
  throw new InvalidInputError(`${where}: ${problems.join('; ')}`);
}
