// The printer must write what `kustomize build` (go-yaml v2 after a JSON round trip) writes.
// fixtures/scalars/expected.yaml was produced by kustomize v5.7.1 from fixtures/scalars/input.yaml.
import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '#shared/errors/index.ts';
import { renderKustomization } from '#shared/render/index.ts';
import fc from 'fast-check';
import { analyzeAsciiLine, analyzeScalarWalk, emitGoYaml, goYamlKeyLess } from '#shared/render/yaml/emit.ts';
import { GoNumber, goFloatText, parseGoTimestamp, resolvePlainV3, v2NeedsQuotes } from '#shared/render/yaml/go-value.ts';
import { writeTree } from './tree.ts';

const fixtures = path.join(import.meta.dirname, 'fixtures', 'scalars');

describe('go-yaml compatible printing', () => {
  it('prints nasty scalars, numbers, timestamps and key orders exactly as kustomize does', async (t) => {
    // Prepare
    const input = await readFile(path.join(fixtures, 'input.yaml'), 'utf8');
    const expected = await readFile(path.join(fixtures, 'expected.yaml'), 'utf8');
    const root = await writeTree(t, { 'kustomization.yaml': 'resources:\n- input.yaml\n', 'input.yaml': input });

    // Act
    const { yaml } = await renderKustomization({ root });

    // Assess
    assert.equal(yaml, expected);
  });

  it('folds long plain strings at 80 columns under their key', () => {
    // Prepare
    const long = 'word '.repeat(30).trim();

    // Act
    const text = emitGoYaml(new Map([['k', long]]));

    // Assess
    // libyaml breaks at the first space once the column passes 80.
    assert.equal(text, `k: ${'word '.repeat(16).trim()}\n  ${'word '.repeat(14).trim()}\n`);
  });

  it('writes block sequences unindented under their key and empty collections in flow style', () => {
    // Prepare
    const value = new Map<string, unknown>([
      ['list', ['a', new Map([['b', 'c']])]],
      ['empty', new Map()],
      ['none', []],
    ]);

    // Act
    const text = emitGoYaml(value as never);

    // Assess
    assert.equal(text, 'empty: {}\nlist:\n- a\n- b: c\nnone: []\n');
  });

  it('orders keys like go-yaml v2: digit runs by value, letters before digits', () => {
    // Prepare
    const keys = ['a10', 'a9', 'b', 'A', '10', '9', 'a01', 'a1'];

    // Act
    const sorted = [...keys].sort((x, y) => (goYamlKeyLess(x, y) ? -1 : goYamlKeyLess(y, x) ? 1 : 0));

    // Assess
    assert.deepEqual(sorted, ['9', '10', 'A', 'a1', 'a01', 'a9', 'a10', 'b']);
  });

  it('formats floats the way encoding/json and go-yaml v2 do together', () => {
    // Prepare
    const values = [1.0, 1234567.5, 1e21, 0.00001, 0.0001, 1e20, 1e19];
    // Act
    const texts = values.map((value) => goFloatText(value));
    // Assess
    assert.deepEqual(texts, ['1', '1.2345675e+06', '1e+21', '1e-05', '0.0001', '1e+20', '10000000000000000000']);
  });

  it('refuses infinities, as kustomize does', () => {
    // Act
    const act = () => goFloatText(Number.POSITIVE_INFINITY);
    // Assess
    assert.throws(act, /unsupported value: \+Inf/);
  });

  it('types plain scalars with go-yaml v3 rules', () => {
    // Prepare
    const scalars = ['yes', '012', '0o17', '1_000', '~'];
    // Act
    const types = scalars.map((text) => resolvePlainV3(text));
    // Assess
    assert.deepEqual(types, [{ kind: 'str' }, { kind: 'int', value: 10n }, { kind: 'int', value: 15n }, { kind: 'int', value: 1000n }, { kind: 'null' }]);
  });

  it('quotes strings go-yaml v2 would read back as another type', () => {
    // Prepare
    const quoted = ['yes', 'on', 'n', '1.0', '0x1F', '2001-12-14', '1:20', ''];
    const plain = ['NaN', 'nULL', 'hello', '1.2.3', 'v1'];
    // Act
    const decisions = [...quoted, ...plain].map((text) => [text, v2NeedsQuotes(text)]);
    // Assess
    assert.deepEqual(decisions, [...quoted.map((text) => [text, true]), ...plain.map((text) => [text, false])]);
  });

  it('converts timestamps to RFC 3339 as encoding/json prints time.Time', () => {
    // Prepare
    const timestamps = ['2001-12-14', '2020-1-2 3:4:5.50', '2020-01-02T03:04:05+02:00', '2020-13-02'];
    // Act
    const converted = timestamps.map((text) => parseGoTimestamp(text));
    // Assess
    assert.deepEqual(converted, ['2001-12-14T00:00:00Z', '2020-01-02T03:04:05.5Z', '2020-01-02T03:04:05+02:00', undefined]);
  });

  it('prints numbers as given tokens', () => {
    // Act
    const count = emitGoYaml(new Map([['count', new GoNumber('42')]]));
    const n = emitGoYaml(new Map([['n', new GoNumber('42')]]));
    // Assess
    assert.equal(count, 'count: 42\n');
    // `n` reads back as a YAML 1.1 boolean, so go-yaml v2 quotes it even as a key.
    assert.equal(n, '"n": 42\n');
  });

  it('refuses strings with control characters kustomize cannot print', async (t) => {
    // Prepare
    const root = await writeTree(t, {
      'kustomization.yaml': 'resources:\n- cm.yaml\n',
      'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ctl\ndata:\n  x: "\\x7f"\n',
    });

    // Act
    const attempt = renderKustomization({ root });

    // Assess
    await assert.rejects(attempt, (error) => error instanceof InvalidInputError && /control characters are not allowed/.test(error.message));
  });
});

test('the one-line ASCII scalar analysis decides exactly as the character-by-character one', () => {
  // Prepare
  const ascii = fc.string({ unit: fc.constantFrom(...' -:#?.!&*|>\'"%@`,[]{}ab0'.split('')), minLength: 1, maxLength: 12 });

  // Act / Assess: every generated line is analysed both ways and the two must agree
  fc.assert(
    fc.property(ascii, (text) => assert.deepEqual(analyzeAsciiLine(text), analyzeScalarWalk(text))),
    { numRuns: 5000 },
  );
});
