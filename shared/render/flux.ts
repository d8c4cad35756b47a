/**
 * Flux's build rules on top of kustomize: the kustomization Flux generates for a directory without
 * one, the Kustomization fields it merges into the build (targetNamespace, name affixes, images,
 * patches, components), and `postBuild` variable substitution.
 */
import type { KustomizationSpec } from '#shared/config/kustomization.ts';
import { InvalidInputError } from '#shared/errors/index.ts';
import type { SopsDecryptor } from './sops/index.ts';

/** Flux Kustomization fields that change how a directory is built. */
export interface FluxBuildOptions {
  targetNamespace?: string;
  namePrefix?: string;
  nameSuffix?: string;
  images?: { name: string; newName?: string | undefined; newTag?: string | undefined; digest?: string | undefined }[];
  patches?: { patch: string; target?: Record<string, string | undefined> }[];
  components?: string[];
  postBuild?: {
    /** Variables already resolved (inline `substitute` plus `substituteFrom` values). */
    substitute?: Record<string, string>;
    /** Fail on a `${var}` that has no value and no default. */
    strict?: boolean;
  };
  /**
   * `spec.decryption` (provider sops): decrypts, after the build and before substitution, every
   * object carrying sops metadata, as kustomize-controller does. Built by the caller with the keys
   * of `decryption.secretRef` (see `createSopsDecryptor` in `./sops/`).
   */
  decryption?: SopsDecryptor;
}

/** Annotation that opts an object out of decryption (`disabled`, any case), as in Flux. */
export const DECRYPT_OPT_OUT = 'kustomize.toolkit.fluxcd.io/decrypt';

/** Annotation/label that opts an object out of substitution. */
export const SUBSTITUTE_OPT_OUT = 'kustomize.toolkit.fluxcd.io/substitute';

const VAR_NAME = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

class SubstitutionError extends Error {}

/**
 * Deepest nesting of `${…}` inside a default (`${A:-${B:-…}}`). Real values nest a level or two;
 * the bound keeps a hostile one from exhausting the stack or the time (each level rescans the rest).
 */
const MAX_SUBSTITUTION_DEPTH = 32;

/** An expression for a message: long ones cut, so a message never carries a whole value. */
function quoted(body: string): string {
  return body.length > 40 ? `\${${body.slice(0, 40)}…}` : `\${${body}}`;
}

/** Evaluates one `${...}` body (without braces) the way Flux's envsubst does. */
function evaluateExpression(body: string, vars: Readonly<Record<string, string>>, strict: boolean, depth: number): string {
  const lengthOf = /^#([_a-zA-Z0-9]+)$/.exec(body);
  const nameMatch = /^[_\p{L}\p{Nd}]+/u.exec(lengthOf ? (lengthOf[1] as string) : body);
  if (!nameMatch) throw new SubstitutionError(`invalid variable expression ${quoted(body)}`);
  const name = nameMatch[0];
  const rest = lengthOf ? '' : body.slice(name.length);
  const isSet = Object.hasOwn(vars, name);
  const value = isSet ? (vars[name] as string) : '';
  const defaultOp = /^(:?)([=\-?+])([\s\S]*)$/.exec(rest);
  if (defaultOp) {
    const [, colon, op, operand = ''] = defaultOp;
    const empty = !isSet || (colon === ':' && value === '');
    const expanded = (): string => expandText(operand, vars, strict, depth + 1);
    if (op === '+') return empty ? '' : expanded();
    if (op === '?') {
      if (empty) throw new SubstitutionError(`variable "${name}" is not set: ${operand}`);
      return value;
    }
    return empty ? expanded() : value;
  }
  if (!isSet && strict) throw new SubstitutionError(`variable "${name}" is not set (postBuild substitution is strict)`);
  if (lengthOf) return String([...value].length);
  if (rest === '') return value;
  if (rest === '^^') return value.toUpperCase();
  if (rest === ',,') return value.toLowerCase();
  if (rest === '^') return value.charAt(0).toUpperCase() + value.slice(1);
  if (rest === ',') return value.charAt(0).toLowerCase() + value.slice(1);
  const substring = /^:([0-9]+)(?::([0-9]+))?$/.exec(rest);
  if (substring) {
    const offset = Number(substring[1]);
    return substring[2] === undefined ? value.slice(offset) : value.slice(offset, offset + Number(substring[2]));
  }
  throw new SubstitutionError(`unsupported variable expression ${quoted(body)}`);
}

/** Index of the `}` closing a `${` whose body starts at `from`, honouring nested `${...}`. */
function findClose(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '{') {
      depth++;
      i++;
    } else if (text[i] === '}') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

function expandText(text: string, vars: Readonly<Record<string, string>>, strict: boolean, depth = 0): string {
  if (depth > MAX_SUBSTITUTION_DEPTH) throw new SubstitutionError(`variable expressions nested deeper than ${MAX_SUBSTITUTION_DEPTH} levels`);
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '$' && text[i + 1] === '$') {
      // `$$` is an escaped dollar: `$${var}` yields a literal `${var}`.
      out += '$';
      i += 2;
      continue;
    }
    if (ch === '$' && text[i + 1] === '{') {
      const close = findClose(text, i + 2);
      if (close < 0) throw new SubstitutionError('unterminated ${ expression');
      out += evaluateExpression(text.slice(i + 2, close), vars, strict, depth);
      i = close + 1;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

/**
 * Replaces `${var}`, `${var:=default}`, `${var:-default}` (and the other shell forms Flux's envsubst
 * knows) in a text; `$${var}` is an escape for a literal `${var}`. Variable names must be letters,
 * digits and `_`; newlines in values are dropped, as Flux does. In strict mode an unset variable
 * without a default is an error naming it.
 */
export function substituteVariables(text: string, vars: Readonly<Record<string, string>>, strict: boolean, where: string): string {
  const cleaned: Record<string, string> = {};
  for (const [name, value] of Object.entries(vars)) {
    if (!VAR_NAME.test(name))
      throw new InvalidInputError(`variable name "${name}" is invalid: names are letters, digits and _ and do not start with a digit`, {
        source: { file: where },
      });
    cleaned[name] = value.replaceAll('\n', '');
  }
  try {
    return expandText(text, cleaned, strict);
  } catch (error) {
    if (error instanceof SubstitutionError)
      throw new InvalidInputError(`postBuild substitution failed: ${error.message}`, { source: { file: where }, cause: error });
    throw error;
  }
}

/**
 * The build options of a Flux Kustomization's spec, with `substituteFrom` values already read by
 * the caller (`resolvedVariables`; inline `substitute` wins over them, as in Flux) and, when the
 * spec has `decryption`, the decryptor holding the keys of its `secretRef` (resolved by the caller
 * from its secret store). A spec asking for decryption without a decryptor is refused, so
 * encrypted manifests are never applied as they are.
 */
export function buildOptionsFromKustomization(
  spec: KustomizationSpec,
  resolvedVariables: Readonly<Record<string, string>> = {},
  decryptor?: SopsDecryptor,
): FluxBuildOptions {
  const options: FluxBuildOptions = {};
  if (spec.targetNamespace) options.targetNamespace = spec.targetNamespace;
  if (spec.namePrefix) options.namePrefix = spec.namePrefix;
  if (spec.nameSuffix) options.nameSuffix = spec.nameSuffix;
  if (spec.images?.length) options.images = spec.images;
  if (spec.patches?.length) options.patches = spec.patches.map((p) => ({ patch: p.patch, ...(p.target ? { target: { ...p.target } } : {}) }));
  if (spec.components?.length) options.components = spec.components;
  if (spec.postBuild) options.postBuild = { substitute: { ...resolvedVariables, ...spec.postBuild.substitute } };
  if (spec.decryption) {
    if (decryptor === undefined) {
      throw new InvalidInputError(
        `spec.decryption is set but no decryption keys were provided${spec.decryption.secretRef ? ` (secretRef ${spec.decryption.secretRef.name})` : ''}`,
      );
    }
    options.decryption = decryptor;
  }
  return options;
}
