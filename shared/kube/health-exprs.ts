/**
 * Flux `spec.healthCheckExprs`: readiness of custom resources decided by CEL expressions.
 *
 * Many custom resources (cert-manager, Crossplane, Cluster API, sealed secrets …) do not report
 * readiness the way kstatus expects, so Flux lets a Kustomization say, per API group (and
 * optionally kind), which CEL expressions mean "ready", "failed" and "still working". Tideline
 * evaluates them the way Flux's kustomize-controller does:
 *
 * - An entry matches objects by the group of its `apiVersion` (the version is ignored) and its
 *   `kind`; an entry without `kind` matches every kind of the group, and an entry naming the kind
 *   wins over it. Two entries for the same group and kind are refused.
 * - Before any expression, an object whose integer `status.observedGeneration` differs from its
 *   `metadata.generation` is in progress: its controller has not seen the latest spec.
 * - Then `inProgress`, `failed`, `current` are evaluated in that order; the first that is true
 *   decides. When none is true the object is in progress.
 * - The expressions see the object's top-level fields as variables (`metadata`, `spec`, `status`
 *   …); a field that does not exist is an evaluation error. An evaluation error (or a result that
 *   is not a boolean) leaves the object's status unknown — the wait goes on until its timeout and
 *   then reports the error.
 * - Expressions are parsed when the Kustomization is read: a syntax error (or a `has()` whose
 *   argument is not a field selection) is an InvalidInputError naming the entry and field. Like
 *   Flux they are not type-checked then, since custom resources have no fixed schema here.
 *
 * Integral JSON numbers are given to CEL as `int` (as Kubernetes decodes them), so
 * `status.replicas == 3` compares ints; optional field selection (`status.?conditions`) is enabled.
 */
import { Environment } from '@marcbachmann/cel-js';
import type { ASTNode, ParseResult } from '@marcbachmann/cel-js';
import { InvalidInputError, errorMessage } from '#shared/errors/index.ts';
import type { TidelineErrorOptions } from '#shared/errors/index.ts';
import type { KubeObject } from './objects.ts';
import { groupOf } from './objects.ts';
import { scrubSecretValues } from './mask.ts';

/** One `spec.healthCheckExprs` entry as Flux writes it. */
export interface HealthCheckExpr {
  /** API version of the custom resource; only its group is used for matching. */
  apiVersion: string;
  /** Kind of the custom resource; absent → every kind of the group. */
  kind?: string | undefined;
  /** True when the object reached its desired state. Required. */
  current: string;
  /** True when the object is still being reconciled by its controller. */
  inProgress?: string | undefined;
  /** True when the object failed to reach its desired state. */
  failed?: string | undefined;
}

/** The readiness verdict of the expressions for one object. */
export interface ExprHealth {
  /** `Unknown`: an expression could not be evaluated (the message says why). */
  status: 'Current' | 'InProgress' | 'Failed' | 'Unknown';
  message: string;
}

/** The compiled expressions of one entry. */
export interface HealthEvaluator {
  /** The entry the evaluator was compiled from. */
  readonly entry: HealthCheckExpr;
  /** Judges a live object of the entry's group/kind (pure; never throws). */
  evaluate(object: KubeObject): ExprHealth;
}

/** The compiled `healthCheckExprs` of a Kustomization: which evaluator judges which objects. */
export interface HealthCheckRules {
  /** The entries, as given. */
  readonly entries: readonly HealthCheckExpr[];
  /** The evaluator for objects of `apiVersion`/`kind`, or undefined when no entry matches them. */
  evaluatorFor(apiVersion: string, kind: string): HealthEvaluator | undefined;
}

/** The expression fields of an entry, in Flux's evaluation order. */
const EXPRESSION_FIELDS = ['inProgress', 'failed', 'current'] as const;
type ExpressionField = (typeof EXPRESSION_FIELDS)[number];

// One environment for all expressions: undeclared variables are dynamic because custom resources
// have no schema here (Flux parses without declaring variables for the same reason).
const celEnvironment = withFluxExtensions(new Environment({ unlistedVariablesAreDyn: true, enableOptionalTypes: true, homogeneousAggregateLiterals: true }));

/**
 * Adds the parts of cel-go's extension libraries that Flux enables (strings, sets, encoders) and
 * the CEL library lacks: `string.replace`, `string.charAt`, `string.reverse`, `sets.contains`,
 * `sets.intersects`, `sets.equivalent`, `base64.encode`, `base64.decode`. The `sets` and `base64`
 * namespaces are constants of marker types whose methods are these functions, since the library
 * has no namespaced functions.
 */
function withFluxExtensions(environment: Environment): Environment {
  class SetsNamespace {}
  class Base64Namespace {}
  const contains = (list: unknown[], sub: unknown[]) => sub.every((item) => list.some((element) => celEquals(element, item)));
  return environment
    .registerType('tideline.SetsNamespace', SetsNamespace)
    .registerType('tideline.Base64Namespace', Base64Namespace)
    .registerConstant('sets', 'tideline.SetsNamespace', new SetsNamespace())
    .registerConstant('base64', 'tideline.Base64Namespace', new Base64Namespace())
    .registerFunction('tideline.SetsNamespace.contains(list, list): bool', (_: unknown, list: unknown[], sub: unknown[]) => contains(list, sub))
    .registerFunction('tideline.SetsNamespace.equivalent(list, list): bool', (_: unknown, a: unknown[], b: unknown[]) => contains(a, b) && contains(b, a))
    .registerFunction('tideline.SetsNamespace.intersects(list, list): bool', (_: unknown, a: unknown[], b: unknown[]) =>
      a.some((x) => b.some((y) => celEquals(x, y))),
    )
    .registerFunction('tideline.Base64Namespace.encode(bytes): string', (_: unknown, bytes: Uint8Array) => Buffer.from(bytes).toString('base64'))
    .registerFunction('tideline.Base64Namespace.decode(string): bytes', (_: unknown, text: string) => new Uint8Array(Buffer.from(text, 'base64')))
    .registerFunction('string.replace(string, string): string', (text: string, from: string, to: string) => text.split(from).join(to))
    .registerFunction('string.replace(string, string, int): string', (text: string, from: string, to: string, count: bigint) => replaceN(text, from, to, count))
    .registerFunction('string.charAt(int): string', (text: string, index: bigint) => {
      const chars = [...text];
      if (index < 0n || index > BigInt(chars.length)) throw new RangeError(`index out of range: ${index}`);
      return chars[Number(index)] ?? '';
    })
    .registerFunction('string.reverse(): string', (text: string) => [...text].reverse().join(''));
}

/** cel-go's `replace(from, to, n)`: at most n replacements, all when n is negative. */
function replaceN(text: string, from: string, to: string, count: bigint): string {
  if (count < 0n) return text.split(from).join(to);
  let result = text;
  let position = 0;
  for (let done = 0n; done < count; done++) {
    const found = result.indexOf(from, position);
    if (found < 0) break;
    result = result.slice(0, found) + to + result.slice(found + from.length);
    position = found + to.length + (from === '' ? 1 : 0);
  }
  return result;
}

/** CEL equality of decoded JSON values: numbers compare across int and double. */
function celEquals(a: unknown, b: unknown): boolean {
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) return Number(a) === Number(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => celEquals(item, b[i]));
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => Object.hasOwn(b, key) && celEquals((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
    );
  }
  return a === b;
}

/**
 * Why `expression` is not a valid CEL health expression, or undefined when it is. Checks what
 * Flux's parser checks: the syntax, and that `has()` is given a field selection.
 */
export function celExpressionProblem(expression: string): string | undefined {
  if (expression.trim() === '') return 'the expression is empty';
  let parsed: ParseResult;
  try {
    parsed = celEnvironment.parse(expression);
  } catch (error) {
    return `invalid CEL expression ${quote(expression)}: ${celErrorSummary(error)}`;
  }
  const badHas = findInvalidHas(parsed.ast);
  return badHas
    ? `invalid CEL expression ${quote(expression)}: has() needs a field selection such as has(status.conditions), at column ${badHas.start + 1}`
    : undefined;
}

/**
 * Compiles Flux `healthCheckExprs` entries. Throws InvalidInputError naming the entry
 * (`healthCheckExprs[1] (cert-manager.io/Certificate) failed: …`) for a missing `current`, an
 * invalid expression or a second entry for the same group and kind. `where` prefixes the message
 * (e.g. the Kustomization).
 */
export function compileHealthCheckExprs(entries: readonly HealthCheckExpr[], where?: TidelineErrorOptions): HealthCheckRules {
  const byGroupKind = new Map<string, HealthEvaluator>();
  entries.forEach((entry, index) => {
    const group = groupOf(entry.apiVersion);
    const label = `healthCheckExprs[${index}] (${group ? `${group}/` : ''}${entry.kind ?? '*'})`;
    const key = groupKindKey(group, entry.kind);
    if (byGroupKind.has(key)) throw new InvalidInputError(`${label}: a second entry for the same API group and kind`, where);
    if (!entry.current) throw new InvalidInputError(`${label}: current is required`, where);
    const compiled: Partial<Record<ExpressionField, ParseResult>> = {};
    for (const field of EXPRESSION_FIELDS) {
      const expression = entry[field];
      if (expression === undefined || expression === '') continue;
      const problem = celExpressionProblem(expression);
      if (problem) throw new InvalidInputError(`${label} ${field}: ${problem}`, where);
      compiled[field] = celEnvironment.parse(expression);
    }
    byGroupKind.set(key, { entry, evaluate: (object) => evaluateCompiled(entry, compiled, object) });
  });
  return {
    entries,
    evaluatorFor: (apiVersion, kind) => {
      const group = groupOf(apiVersion);
      return byGroupKind.get(groupKindKey(group, kind)) ?? byGroupKind.get(groupKindKey(group, undefined));
    },
  };
}

/**
 * Judges `object` with one entry's expressions (compiling them first). Throws InvalidInputError
 * for an invalid entry; for repeated use, compile once with {@link compileHealthCheckExprs}.
 */
export function evaluateHealthExprs(entry: HealthCheckExpr, object: KubeObject): ExprHealth {
  const evaluator = compileHealthCheckExprs([entry]).evaluatorFor(entry.apiVersion, entry.kind ?? object.kind);
  if (!evaluator)
    throw new InvalidInputError(`healthCheckExprs entry for ${entry.apiVersion} ${entry.kind ?? ''} does not match ${object.apiVersion} ${object.kind}`);
  return evaluator.evaluate(object);
}

function evaluateCompiled(entry: HealthCheckExpr, compiled: Partial<Record<ExpressionField, ParseResult>>, object: KubeObject): ExprHealth {
  const observed = integerAt(object.status, 'observedGeneration');
  const generation = integerAt(object.metadata, 'generation');
  if (observed !== undefined && generation !== undefined && observed !== generation) {
    return { status: 'InProgress', message: `generation ${generation} not yet observed (observed ${observed})` };
  }
  const variables = celVariables(object);
  for (const field of EXPRESSION_FIELDS) {
    const program = compiled[field];
    const expression = entry[field];
    if (!program || expression === undefined) continue;
    let result: unknown;
    try {
      result = program(variables);
    } catch (error) {
      // A conversion error may quote the value it could not convert: never a Secret's.
      return {
        status: 'Unknown',
        message: `failed to evaluate the ${field} expression ${quote(expression)}: ${scrubSecretValues(celErrorSummary(error), object)}`,
      };
    }
    if (typeof result !== 'boolean') {
      return { status: 'Unknown', message: `the ${field} expression ${quote(expression)} returned ${describeCelValue(result)}, not a boolean` };
    }
    if (!result) continue;
    if (field === 'current') return { status: 'Current', message: 'current expression is true' };
    if (field === 'inProgress') return { status: 'InProgress', message: `inProgress expression ${quote(expression)} is true` };
    const detail = readyMessage(object);
    return { status: 'Failed', message: `failed expression ${quote(expression)} is true${detail ? `: ${detail}` : ''}` };
  }
  return { status: 'InProgress', message: `current expression ${quote(entry.current)} is not yet true` };
}

/**
 * The object's top-level fields as CEL variables. Integral numbers become `int` (bigint), as the
 * Kubernetes JSON decoder makes them int64, so comparisons with int literals type as in Flux.
 */
function celVariables(object: KubeObject): Record<string, unknown> {
  return toCel(object) as Record<string, unknown>;
}

function toCel(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCel);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, toCel(field)]));
  return value;
}

function integerAt(holder: unknown, field: string): number | undefined {
  const value = (holder as Record<string, unknown> | undefined)?.[field];
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

/** The message of the object's Ready condition, when it has one: why its controller says it failed. */
function readyMessage(object: KubeObject): string | undefined {
  const conditions = (object.status as { conditions?: unknown } | undefined)?.conditions;
  if (!Array.isArray(conditions)) return undefined;
  const ready = conditions.find(
    (c): c is { type: string; message?: unknown } => typeof c === 'object' && c !== null && (c as { type?: unknown }).type === 'Ready',
  );
  return typeof ready?.message === 'string' && ready.message ? ready.message : undefined;
}

function groupKindKey(group: string, kind: string | undefined): string {
  return `${group}\u0000${kind ?? ''}`;
}

/** The first `has(x)` call whose argument is not a plain field selection (cel-go refuses it when parsing). */
function findInvalidHas(node: ASTNode): ASTNode | undefined {
  if (node.op === 'call') {
    const [name, args] = node.args;
    if (name === 'has' && (args.length !== 1 || args[0]?.op !== '.')) return node;
  }
  for (const child of childNodes(node)) {
    const found = findInvalidHas(child);
    if (found) return found;
  }
  return undefined;
}

function childNodes(node: ASTNode): ASTNode[] {
  const isNode = (value: unknown): value is ASTNode => typeof value === 'object' && value !== null && 'op' in value && 'args' in value;
  const walk = (value: unknown): ASTNode[] => (isNode(value) ? [value] : Array.isArray(value) ? value.flatMap(walk) : []);
  return walk(node.args);
}

/** A CEL library error as one line (the library's message adds a multi-line source excerpt). */
function celErrorSummary(error: unknown): string {
  const summary = (error as { summary?: unknown } | null)?.summary;
  const text = typeof summary === 'string' && summary ? summary : (errorMessage(error).split('\n')[0] ?? '');
  const start = (error as { range?: { start?: unknown } } | null)?.range?.start;
  return typeof start === 'number' ? `${text} (at column ${start + 1})` : text;
}

/** An expression quoted in a message, cut short: messages travel in size-limited events. */
function quote(expression: string): string {
  const oneLine = expression.replace(/\s+/g, ' ').trim();
  return `'${oneLine.length > 200 ? `${oneLine.slice(0, 199)}…` : oneLine}'`;
}

function describeCelValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'bigint') return 'an int';
  if (typeof value === 'string') return 'a string';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a map' : `a ${typeof value}`;
}
