import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goJsonString } from '#shared/render/go-json.ts';
import { renderKustomization } from '#shared/render/index.ts';
import { writeTree } from './tree.ts';

test('strings are escaped as Go json.Marshal writes them: HTML characters and line separators too', () => {
  // Prepare: every class of character the encoders treat differently
  const text = 'a<b>&c\u2028\u2029"\\\n\r\t\b\f\u0001\u001fé😀';

  // Act
  const encoded = goJsonString(text);

  // Assess: Go 1.22+ `json.Marshal` output for the same string
  assert.equal(encoded, '"a\\u003cb\\u003e\\u0026c\\u2028\\u2029\\"\\\\\\n\\r\\t\\b\\f\\u0001\\u001fé😀"');
});

test('a generated ConfigMap holding HTML characters gets the name kustomize gives it', async (t) => {
  // Prepare: kustomize 5.7.1 builds this into c-9g6cht7g7f (its hash escapes < > & and U+2028)
  const root = await writeTree(t, { 'kustomization.yaml': 'configMapGenerator:\n- name: c\n  literals:\n  - "a=<&>\\u2028"\n' });

  // Act
  const { objects } = await renderKustomization({ root });

  // Assess
  assert.deepEqual(
    objects.map((object) => object.name),
    ['c-9g6cht7g7f'],
  );
});
