/**
 * Flux's build rules on top of kustomize: the kustomization Flux generates for a directory without
 * one, the Kustomization fields it merges into the build (targetNamespace, name affixes, images,
 * patches, components), and `postBuild` variable substitution.
 */
import { InvalidInputError } from '#shared/errors/index.ts';

/** Flux Kustomization fields that change how a directory is built. */
export interface FluxBuildOptions {
  targetNamespace?: string;
  namePrefix?: string;
  nameSuffix?: string;
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
  patches?: { patch: string; target?: Record<string, string | undefined> }[];
  components?: string[];
  postBuild?: {
    /** Variables already resolved (inline `substitute` plus `substituteFrom` values). */
    substitute?: Record<string, string>;
    /** Fail on a `${var}` that has no value and no default. */
    strict?: boolean;
  };
}

/** Annotation/label that opts an object out of substitution. */
export const SUBSTITUTE_OPT_OUT = 'kustomize.toolkit.fluxcd.io/substitute';

const VAR_NAME = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

/**
 * Replaces `${var}`, `${var:=default}` and `${var:-default}` in a text, as Flux's envsubst does;
 * `$${var}` is an escape for a literal `${var}`. In strict mode an unset variable without a
 * default is an error naming it.
 */
export function substituteVariables(text: string, vars: Readonly<Record<string, string>>, strict: boolean, where: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, dollar);
    if (text[dollar + 1] === '$' && text[dollar + 2] === '{') {
      // `$${var}` keeps `${var}` literally.
      const close = text.indexOf('}', dollar + 2);
      if (close < 0) {
        out += text.slice(dollar + 1);
        break;
      }
      out += text.slice(dollar + 1, close + 1);
      i = close + 1;
      continue;
    }
    if (text[dollar + 1] !== '{') {
      out += '$';
      i = dollar + 1;
      continue;
    }
    const close = text.indexOf('}', dollar + 2);
    if (close < 0) {
      out += text.slice(dollar);
      break;
    }
    const body = text.slice(dollar + 2, close);
    const op = /^([^:]*?)(:[=-])(.*)$/s.exec(body);
    const name = op ? (op[1] as string) : body;
    if (!VAR_NAME.test(name)) {
      throw new InvalidInputError(`invalid variable name "${name}" in \${${body}}: names are letters, digits and _`, { source: { file: where } });
    }
    const value = Object.hasOwn(vars, name) ? vars[name] : undefined;
    if (value !== undefined && value !== '') out += value;
    else if (op) out += op[3] as string;
    else if (value !== undefined) out += value;
    else if (strict) throw new InvalidInputError(`variable "${name}" is not set (postBuild substitution is strict)`, { source: { file: where } });
    i = close + 1;
  }
  return out;
}
