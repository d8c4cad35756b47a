/**
 * EventBridge event-pattern matching, for the local in-process bus.
 *
 * Locally, events are routed with the very patterns infra turns into EventBridge rules
 * ({@link patternFor}), so a pattern that selects nothing in AWS selects nothing locally either.
 * This implements the part of EventBridge's pattern language Tideline uses and a little more:
 * exact values (strings, numbers, booleans, null), `prefix`, `suffix`, `equals-ignore-case`,
 * `anything-but` (values, or a prefix/suffix), `exists`, `numeric` ranges and `$or`.
 * Anything else is refused when the pattern is compiled, never silently treated as a match.
 */
import { InvalidInputError } from '#shared/errors/index.ts';

/** A compiled pattern: true when the event (an EventBridge envelope) matches. */
export type EventMatcher = (event: unknown) => boolean;

type ValueTest = (value: unknown) => boolean;

interface FieldRule {
  /** Matches when the field is present and one of these accepts its value (or one of its array elements). */
  tests: ValueTest[];
  /** `exists: true` / `exists: false` among the field's alternatives. */
  existsTrue: boolean;
  existsFalse: boolean;
}

type CompiledNode = { kind: 'object'; fields: [string, CompiledNode][]; or: CompiledNode[][] } | { kind: 'leaf'; rule: FieldRule };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): value is string | number | boolean | null {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function fail(path: string, message: string): never {
  throw new InvalidInputError(`event pattern at ${path || '(root)'}: ${message}`);
}

function compileStringOperand(path: string, operator: string, operand: unknown): string {
  if (typeof operand !== 'string') fail(path, `"${operator}" takes a string`);
  return operand;
}

function compileAnythingBut(path: string, operand: unknown): ValueTest {
  if (isScalar(operand)) return (value) => isScalar(value) && value !== operand;
  if (Array.isArray(operand)) {
    if (operand.length === 0 || !operand.every(isScalar)) fail(path, '"anything-but" takes a non-empty list of values');
    const excluded = new Set<unknown>(operand);
    return (value) => isScalar(value) && !excluded.has(value);
  }
  if (isRecord(operand)) {
    const keys = Object.keys(operand);
    const operator = keys[0];
    if (keys.length !== 1 || operator === undefined) fail(path, '"anything-but" takes one operator');
    const text = compileStringOperand(path, `anything-but/${operator}`, operand[operator]);
    if (operator === 'prefix') return (value) => typeof value === 'string' && !value.startsWith(text);
    if (operator === 'suffix') return (value) => typeof value === 'string' && !value.endsWith(text);
    if (operator === 'equals-ignore-case') return (value) => typeof value === 'string' && value.toLowerCase() !== text.toLowerCase();
    fail(path, `"anything-but" with "${operator}" is not supported`);
  }
  fail(path, '"anything-but" takes a value, a list of values or {prefix|suffix|equals-ignore-case}');
}

const NUMERIC_OPERATORS: Record<string, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

function compileNumeric(path: string, operand: unknown): ValueTest {
  if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0) {
    fail(path, '"numeric" takes pairs of operator and number, e.g. [">", 0, "<=", 5]');
  }
  const checks: ((value: number) => boolean)[] = [];
  for (let index = 0; index < operand.length; index += 2) {
    const operator = operand[index];
    const bound = operand[index + 1];
    const compare = typeof operator === 'string' ? NUMERIC_OPERATORS[operator] : undefined;
    if (!compare || typeof bound !== 'number') fail(path, `"numeric" operator ${JSON.stringify(operator)} or bound is invalid`);
    checks.push((value) => compare(value, bound));
  }
  return (value) => typeof value === 'number' && checks.every((check) => check(value));
}

function compileLeaf(path: string, alternatives: unknown[]): FieldRule {
  if (alternatives.length === 0) fail(path, 'an empty list matches nothing; EventBridge refuses it');
  const rule: FieldRule = { tests: [], existsTrue: false, existsFalse: false };
  for (const alternative of alternatives) {
    if (isScalar(alternative)) {
      rule.tests.push((value) => value === alternative);
      continue;
    }
    if (!isRecord(alternative)) fail(path, `unsupported value ${JSON.stringify(alternative)}`);
    const keys = Object.keys(alternative);
    if (keys.length !== 1) fail(path, 'each matcher object takes exactly one operator');
    const operator = keys[0] as string;
    const operand = alternative[operator];
    switch (operator) {
      case 'prefix': {
        const text = compileStringOperand(path, operator, operand);
        rule.tests.push((value) => typeof value === 'string' && value.startsWith(text));
        break;
      }
      case 'suffix': {
        const text = compileStringOperand(path, operator, operand);
        rule.tests.push((value) => typeof value === 'string' && value.endsWith(text));
        break;
      }
      case 'equals-ignore-case': {
        const text = compileStringOperand(path, operator, operand).toLowerCase();
        rule.tests.push((value) => typeof value === 'string' && value.toLowerCase() === text);
        break;
      }
      case 'anything-but':
        rule.tests.push(compileAnythingBut(path, operand));
        break;
      case 'numeric':
        rule.tests.push(compileNumeric(path, operand));
        break;
      case 'exists':
        if (typeof operand !== 'boolean') fail(path, '"exists" takes true or false');
        if (operand) rule.existsTrue = true;
        else rule.existsFalse = true;
        break;
      default:
        fail(path, `operator "${operator}" is not supported`);
    }
  }
  return rule;
}

function compileObject(path: string, pattern: Record<string, unknown>): CompiledNode {
  const fields: [string, CompiledNode][] = [];
  const or: CompiledNode[][] = [];
  for (const [key, value] of Object.entries(pattern)) {
    const childPath = path ? `${path}.${key}` : key;
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isRecord)) fail(childPath, '"$or" takes a list of at least two patterns');
      or.push(value.map((branch, index) => compileObject(`${childPath}[${index}]`, branch)));
    } else if (Array.isArray(value)) {
      fields.push([key, { kind: 'leaf', rule: compileLeaf(childPath, value) }]);
    } else if (isRecord(value)) {
      fields.push([key, compileObject(childPath, value)]);
    } else {
      fail(childPath, 'a pattern field must be a list of matchers or a nested pattern');
    }
  }
  return { kind: 'object', fields, or };
}

function matchLeaf(rule: FieldRule, present: boolean, value: unknown): boolean {
  if (!present) return rule.existsFalse;
  if (rule.existsTrue) return true;
  // An array field matches when any of its elements matches (EventBridge semantics).
  const candidates = Array.isArray(value) ? value : [value];
  return candidates.some((candidate) => rule.tests.some((test) => test(candidate)));
}

function matchNode(node: CompiledNode, present: boolean, value: unknown): boolean {
  if (node.kind === 'leaf') return matchLeaf(node.rule, present, value);
  const object = isRecord(value) ? value : undefined;
  for (const [key, child] of node.fields) {
    const childPresent = object !== undefined && Object.hasOwn(object, key);
    if (!matchNode(child, childPresent, childPresent ? object[key] : undefined)) return false;
  }
  return node.or.every((branches) => branches.some((branch) => matchNode(branch, present, value)));
}

/**
 * Compiles an EventBridge event pattern into a matcher. Throws InvalidInputError naming the
 * offending field when the pattern uses something this matcher does not implement.
 */
export function compilePattern(pattern: unknown): EventMatcher {
  if (!isRecord(pattern) || Object.keys(pattern).length === 0) fail('', 'a pattern is a non-empty object');
  const root = compileObject('', pattern);
  return (event) => matchNode(root, true, event);
}

/** True when `event` (an EventBridge envelope: source, detail-type, detail …) matches `pattern`. */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  return compilePattern(pattern)(event);
}
