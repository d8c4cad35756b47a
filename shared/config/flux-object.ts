/**
 * What every Flux object parser in `shared/config/` shares: the object envelope, the refusal of
 * fields Tideline knows but does not implement, and error messages that name the field.
 */
import * as z from '#shared/zod.ts';
import { InvalidInputError } from '#shared/errors/index.ts';

/** `metadata` as Tideline reads it from a Flux object; the namespace defaults as in Flux. */
export const FluxMetadataSchema = z.object({
  name: z.string().check(z.minLength(1), z.maxLength(253)),
  namespace: z._default(z.string().check(z.minLength(1), z.maxLength(253)), 'flux-system'),
  labels: z.optional(z.record(z.string(), z.string())),
  annotations: z.optional(z.record(z.string(), z.string())),
});

/** The schema of a Flux object: one of `apiVersions`, the `kind`, Tideline's metadata and `spec`. */
export function fluxObjectSchema<const V extends readonly [string, ...string[]], const K extends string, S extends z.ZodMiniType>(
  apiVersions: V,
  kind: K,
  spec: S,
) {
  return z.object({ apiVersion: z.enum(apiVersions), kind: z.literal(kind), metadata: FluxMetadataSchema, spec });
}

/** Formats the first zod issues as `path: message`, unknown fields named as `unknown field(s) a.b`. */
export function describeZodIssues(error: z.core.$ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const path = issue.path.join('.');
      return issue.code === 'unrecognized_keys'
        ? `unknown field(s) ${issue.keys.map((k) => (path ? `${path}.${k}` : k)).join(', ')}`
        : `${path || '(root)'}: ${issue.message}`;
    })
    .join('; ');
}

/** `metadata.name` of a not yet validated object, for error messages (`?` when absent). */
export function nameOf(value: unknown): string {
  const name = (value as { metadata?: { name?: unknown } } | null)?.metadata?.name;
  return typeof name === 'string' ? name : '?';
}

/**
 * Refuses, by name and with the reason, the first `spec` field of `value` that `unsupported` lists.
 * Runs before schema validation so the user reads why a Flux field is refused, not just that it is unknown.
 */
export function refuseUnsupportedSpecFields(kind: string, value: unknown, unsupported: Readonly<Record<string, string>>, file: string): void {
  const spec = (value as { spec?: unknown } | null)?.spec;
  if (typeof spec !== 'object' || spec === null) return;
  for (const field of Object.keys(spec)) {
    if (Object.hasOwn(unsupported, field)) {
      throw new InvalidInputError(`${kind} ${nameOf(value)}: spec.${field} is not supported: ${unsupported[field]}`, { source: { file } });
    }
  }
}

/** Validates `value` with `schema`; throws InvalidInputError `<kind> <name>: <issues>` naming `file`. */
export function parseWithSchema<S extends z.ZodMiniType>(schema: S, kind: string, value: unknown, file: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new InvalidInputError(`${kind} ${nameOf(value)}: ${describeZodIssues(result.error)}`, { source: { file } });
  return result.data;
}
