/**
 * Flux `Alert` (notification.toolkit.fluxcd.io/v1beta3) parsing.
 *
 * An Alert says which events go to which Provider: a severity floor, the event sources (kind,
 * name or `*`, namespace, matchLabels), message inclusion/exclusion regexes, extra metadata, and
 * a suspend switch. Tideline reads Alerts as Flux writes them; regexes are compiled here so a bad
 * one is refused when the config is loaded, not silently skipped at dispatch time as Flux does.
 */
import * as z from '#shared/zod.ts';
import { InvalidInputError } from '#shared/errors/index.ts';
import { fluxObjectSchema, parseWithSchema } from './flux-object.ts';

export const ALERT_API_VERSIONS = ['notification.toolkit.fluxcd.io/v1beta3', 'notification.toolkit.fluxcd.io/v1beta2'] as const;

/**
 * Kinds an event source may name. Tideline emits events about Kustomizations and, for
 * ClusterUnreachable, about a cluster: `Cluster` is Tideline's own addition to Flux's list.
 */
export const EVENT_SOURCE_KINDS = ['Kustomization', 'Cluster'] as const;

/** Flux source kinds Tideline never emits events for: refused so a silent no-op is impossible. */
const FLUX_ONLY_SOURCE_KINDS = [
  'Bucket',
  'GitRepository',
  'HelmRelease',
  'HelmChart',
  'HelmRepository',
  'ImageRepository',
  'ImagePolicy',
  'ImageUpdateAutomation',
  'OCIRepository',
  'ArtifactGenerator',
  'ExternalArtifact',
];

const name = z.string().check(z.minLength(1), z.maxLength(253));

export const EventSourceSchema = z.strictObject({
  apiVersion: z.optional(z.string()),
  kind: z.string().check(z.minLength(1)),
  name,
  namespace: z.optional(name),
  matchLabels: z.optional(z.record(z.string(), z.string())),
});
export type AlertEventSource = z.infer<typeof EventSourceSchema>;

export const AlertSpecSchema = z.strictObject({
  providerRef: z.strictObject({ name }),
  eventSeverity: z._default(z.enum(['info', 'error']), 'info'),
  eventSources: z.array(EventSourceSchema).check(z.minLength(1)),
  inclusionList: z.optional(z.array(z.string())),
  exclusionList: z.optional(z.array(z.string())),
  eventMetadata: z.optional(z.record(z.string(), z.string())),
  summary: z.optional(z.string().check(z.maxLength(255))),
  suspend: z.optional(z.boolean()),
});

export const AlertSchema = fluxObjectSchema(ALERT_API_VERSIONS, 'Alert', AlertSpecSchema);

/** A validated Flux Alert, with its inclusion/exclusion regexes compiled. */
export type FluxAlert = z.infer<typeof AlertSchema> & {
  inclusion: RegExp[];
  exclusion: RegExp[];
};

/**
 * Compiles a Go (RE2) regular expression as a JS one. The common subset (classes, anchors,
 * alternation, quantifiers) means the same in both; RE2-only syntax such as `(?i)` is translated.
 */
function compileGoRegex(source: string, where: string, alertName: string, file: string): RegExp {
  let pattern = source;
  let flags = '';
  const inline = /^\(\?([imsU]+)\)/.exec(pattern);
  if (inline?.[1]) {
    const wanted = inline[1];
    if (wanted.includes('U')) throw new InvalidInputError(`Alert ${alertName}: ${where}: the (?U) flag is not supported`, { source: { file } });
    flags = [...new Set(wanted)].join('');
    pattern = pattern.slice(inline[0].length);
  }
  try {
    return new RegExp(pattern, flags);
  } catch (cause) {
    throw new InvalidInputError(`Alert ${alertName}: ${where}: invalid regular expression ${JSON.stringify(source)}`, { source: { file }, cause });
  }
}

/**
 * Validates a Flux Alert object. `file` names where it came from, for the error message.
 * Throws InvalidInputError naming the unsupported or invalid field.
 */
export function parseAlert(value: unknown, file = '<inline>'): FluxAlert {
  const alert = parseWithSchema(AlertSchema, 'Alert', value, file);
  const label = alert.metadata.name;
  alert.spec.eventSources.forEach((source, index) => {
    const where = `spec.eventSources[${index}]`;
    if (FLUX_ONLY_SOURCE_KINDS.includes(source.kind)) {
      throw new InvalidInputError(
        `Alert ${label}: ${where}.kind ${source.kind} is not supported: Tideline only emits events for ${EVENT_SOURCE_KINDS.join(' and ')}`,
        { source: { file } },
      );
    }
    if (!(EVENT_SOURCE_KINDS as readonly string[]).includes(source.kind)) {
      throw new InvalidInputError(`Alert ${label}: ${where}.kind must be one of ${EVENT_SOURCE_KINDS.join(', ')}, got ${source.kind}`, { source: { file } });
    }
    // Flux requires the wildcard name with matchLabels: labels select among many objects.
    if (source.matchLabels && source.name !== '*') {
      throw new InvalidInputError(`Alert ${label}: ${where}.matchLabels requires name '*'`, { source: { file } });
    }
  });
  const inclusion = (alert.spec.inclusionList ?? []).map((re, i) => compileGoRegex(re, `spec.inclusionList[${i}]`, label, file));
  const exclusion = (alert.spec.exclusionList ?? []).map((re, i) => compileGoRegex(re, `spec.exclusionList[${i}]`, label, file));
  return { ...alert, inclusion, exclusion };
}
