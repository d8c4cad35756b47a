// Hostile and unusual repositories: secret values stay out of errors, every failure is typed and
// names the file, and no input shape makes the renderer slow or hang.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { InvalidInputError } from '#shared/errors/index.ts';
import { createSopsDecryptor, renderKustomization } from '#shared/render/index.ts';
import { parseYamlDocuments } from '#shared/render/load.ts';
import { readDocuments } from '#shared/render/yaml/fast-parse.ts';
import { LARGE_SHAPES, SHAPE_BYTES } from './large-shapes.ts';
import { configMap, renderError, writeTree } from './tree.ts';

const run = promisify(execFile);
const cli = path.join(import.meta.dirname, '..', '..', '..', 'shared', 'cli', 'main.ts');
const SECRET = 'c2VjcmV0LXZhbHVlLTQyCg';

describe('secret values stay out of render errors', () => {
  it('a secretGenerator literal without "=" is refused naming its position, not its value', async (t) => {
    // Prepare
    const root = await writeTree(t, { 'kustomization.yaml': `secretGenerator:\n- name: creds\n  literals:\n  - user=svc\n  - password:${SECRET}\n` });

    // Act
    const error = await renderError({ root });

    // Assess
    assert.match(error.message, /^kustomization\.yaml: generator creds: literals entry 2 is not KEY=VALUE/);
    assert.equal(error.message.includes(SECRET), false, error.message);
  });

  it('an env-file key with whitespace is refused naming the file and line, not the line', async (t) => {
    // Prepare
    const root = await writeTree(t, {
      'kustomization.yaml': 'secretGenerator:\n- name: creds\n  envs:\n  - creds.env\n',
      'creds.env': `USER=svc\nTOKEN: ${SECRET}=\n`,
    });

    // Act
    const error = await renderError({ root });

    // Assess
    assert.match(error.message, /^creds\.env:2: /);
    assert.equal(error.message.includes(SECRET), false, error.message);
  });

  it('tideline render --substitute without a key or "=" does not echo the argument', async (t) => {
    // Prepare
    const root = await writeTree(t, { 'cm.yaml': configMap('cm') });

    // Act
    const results = [];
    for (const argument of [`=${SECRET}`, SECRET]) {
      try {
        await run(process.execPath, [cli, 'render', root, '--root', root, '--substitute', argument], { timeout: 60_000 });
        results.push({ code: 0, stderr: '' });
      } catch (error) {
        const failed = error as { code?: number; stderr?: string };
        results.push({ code: failed.code ?? -1, stderr: failed.stderr ?? '' });
      }
    }

    // Assess
    for (const result of results) {
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /--substitute expects KEY=VALUE/);
      assert.equal(result.stderr.includes(SECRET), false, result.stderr);
    }
  });
});

describe('renderer input shapes', () => {
  it('parses a 4 MiB ConfigMap of 150,000 keys in linear time (minutes before; seconds at most on a loaded machine)', () => {
    // Prepare
    const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: big', 'data:'];
    for (let i = 0; i < 150_000; i++) lines.push(`  key-${i}: value-${i}`.padEnd(26, 'x'));
    const text = `${lines.join('\n')}\n`;
    assert.ok(text.length < 4 * 1024 * 1024, `${text.length} bytes`);

    // Act
    const started = performance.now();
    const cpu = process.cpuUsage();
    const docs = parseYamlDocuments(text, 'big.yaml', 10_000);
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    const elapsed = performance.now() - started;

    // Assess
    process.stdout.write(`# 150,000-key ConfigMap (${text.length} bytes) parsed in ${elapsed.toFixed(0)} ms (${cpuMs.toFixed(0)} ms CPU)\n`);
    assert.equal(docs.length, 1);
    // The quadratic check took minutes. The bound is on this process's CPU time, which other jobs
    // sharing a CI machine do not inflate as they do the wall time.
    assert.ok(cpuMs < 6_000, `${cpuMs} ms CPU`);
  });

  for (const shape of LARGE_SHAPES) {
    it(`parses a 4 MiB file of ${shape.name}, each document once, the common shapes without the full parser`, () => {
      // Prepare
      const text = shape.text();
      const markers = text.split(/\r?\n/).filter((line) => line === '---').length;

      // Act
      const cpu = process.cpuUsage();
      const docs = parseYamlDocuments(text, 'shape.yaml', 10_000);
      const used = process.cpuUsage(cpu);
      const pieces = readDocuments(shape.text(200_000));

      // Assess
      const cpuMs = (used.user + used.system) / 1000;
      process.stdout.write(`# ${shape.name} (${text.length} bytes): ${docs.length} documents in ${cpuMs.toFixed(0)} ms CPU\n`);
      assert.ok(text.length > SHAPE_BYTES - 1024 && text.length < 4 * 1024 * 1024, `${text.length} bytes`);
      assert.equal(docs.length, Math.max(markers, 1));
      assert.deepEqual(pieces?.filter((piece) => piece.kind === 'deferred').length, 0, 'a document was left to the full parser');
      // The time goal (well under a second) is the benchmark's (npm run bench:render -- --shapes); this bound
      // only catches a return of the minutes a quadratic step took, on a loaded machine.
      assert.ok(cpuMs < 10_000, `${cpuMs} ms CPU`);
    });
  }

  it('parses a 40,000-key patch file and a 40,000-key sops document in linear time', async (t) => {
    // Prepare
    const keys = Array.from({ length: 40_000 }, (_, i) => `  key-${i}: value-${i}`).join('\n');
    const root = await writeTree(t, {
      // The target selects nothing: the patch is parsed (to tell its kind) but merged into nothing.
      'kustomization.yaml': 'resources:\n- cm.yaml\npatches:\n- path: patch.yaml\n  target:\n    kind: Secret\n',
      'cm.yaml': configMap('cm'),
      'patch.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n${keys}\n`,
    });
    const decryptor = createSopsDecryptor({ ageIdentities: [] });

    // Act
    const started = performance.now();
    const cpu = process.cpuUsage();
    const rendered = await renderKustomization({ root });
    await assert.rejects(decryptor.decryptText(`data:\n${keys}\n`, 'big.enc.yaml'), InvalidInputError);
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    const elapsed = performance.now() - started;

    // Assess
    process.stdout.write(`# 40,000-key patch and 40,000-key sops document parsed in ${elapsed.toFixed(0)} ms (${cpuMs.toFixed(0)} ms CPU)\n`);
    assert.equal(rendered.objects.length, 1);
    // Together they took 75 s with the parser's quadratic duplicate-key check (CPU time: see above).
    assert.ok(cpuMs < 6_000, `${cpuMs} ms CPU`);
  });

  it('still refuses a duplicate key, naming its line', () => {
    // Act
    const attempt = (): unknown => parseYamlDocuments('a: 1\nb:\n  c: 2\n  c: 3\n', 'dup.yaml', 10_000);

    // Assess
    assert.throws(attempt, (error: unknown) => error instanceof InvalidInputError && /^dup\.yaml:4: invalid YAML: Map keys must be unique/.test(error.message));
  });

  it('refuses keys equal in value (1 and 01) as duplicates, naming the line, as the full parser does', () => {
    // Act
    const attempt = (): unknown => parseYamlDocuments('a: x\n1: a\n01: b\n', 'dup.yaml', 10_000);

    // Assess
    assert.throws(attempt, (error: unknown) => error instanceof InvalidInputError && /^dup\.yaml:3: invalid YAML: Map keys must be unique/.test(error.message));
  });

  it('resolves an alias to the last anchor of its name before it, in one document or many', () => {
    // Prepare
    const text = 'a: &x 1\nb: &x 2\nc: *x\nd: &x 3\n---\na: &x 4\nb: [*x]\n';

    // Act
    const docs = parseYamlDocuments(text, 'alias.yaml', 10_000);

    // Assess
    const values = docs.map((doc) => JSON.stringify((doc.node as { toJSON(): unknown }).toJSON()));
    assert.deepEqual(values, ['{"a":1,"b":2,"c":2,"d":3}', '{"a":4,"b":[4]}']);
  });

  it('refuses a kustomization that includes itself through a symlink as a cycle', async (t) => {
    // Prepare
    const root = await writeTree(t, { 'kustomization.yaml': 'resources:\n- self\n', self: { symlink: '.' } });

    // Act
    const error = await renderError({ root });

    // Assess
    assert.match(error.message, /kustomization cycle/);
  });

  for (const [field, entry] of [
    ['configMapGenerator files', 'configMapGenerator:\n- name: cm\n  files:\n  - sub\n'],
    ['configMapGenerator envs', 'configMapGenerator:\n- name: cm\n  envs:\n  - sub\n'],
    ['patches path', 'resources:\n- cm.yaml\npatches:\n- path: sub\n'],
  ]) {
    it(`refuses a directory given as a file (${field})`, async (t) => {
      // Prepare
      const root = await writeTree(t, { 'kustomization.yaml': entry as string, 'cm.yaml': configMap('cm'), 'sub/a.txt': 'a' });

      // Act
      const error = await renderError({ root });

      // Assess
      assert.match(error.message, /^sub: is a directory, not a file/);
    });
  }

  it('refuses a postBuild value nested deeper than the bound, as a typed error', async (t) => {
    // Prepare
    const depth = 10_000;
    const root = await writeTree(t, { 'cm.yaml': configMap('cm', { deep: `${'${A:-'.repeat(depth)}x${'}'.repeat(depth)}` }) });

    // Act
    const error = await renderError({ root, flux: { postBuild: { substitute: { B: 'b' } } } });

    // Assess
    assert.match(error.message, /^ConfigMap cm \(from cm\.yaml\): postBuild substitution failed: variable expressions nested deeper than 32 levels$/);
  });

  it('refuses patchesStrategicMerge entries outside the root whether or not they exist', async (t) => {
    // Prepare
    const root = await writeTree(t, {
      'kustomization.yaml': 'resources:\n- cm.yaml\npatchesStrategicMerge:\n- /etc/no-such-file\n',
      'cm.yaml': configMap('cm'),
    });
    const outside = await writeTree(t, {
      'kustomization.yaml': 'resources:\n- cm.yaml\npatchesStrategicMerge:\n- ../no-such-file.yaml\n',
      'cm.yaml': configMap('cm'),
    });

    // Act
    const absolute = await renderError({ root });
    const climbing = await renderError({ root: outside });

    // Assess
    assert.match(absolute.message, /absolute path "\/etc\/no-such-file" is not allowed/);
    assert.match(climbing.message, /path "\.\.\/no-such-file\.yaml" points outside the repository root/);
  });

  it('refuses an object without a namespace and the same object in namespace default as one id, as kustomize does', async (t) => {
    // Prepare
    const root = await writeTree(t, {
      'kustomization.yaml': 'resources:\n- a.yaml\n- b.yaml\n',
      'a.yaml': configMap('dup'),
      'b.yaml': configMap('dup').replace('  name: dup\n', '  name: dup\n  namespace: default\n'),
    });

    // Act
    const error = await renderError({ root });

    // Assess
    assert.match(error.message, /duplicate object ConfigMap dup/);
  });

  it('refuses an alias to an anchor that does not exist', async (t) => {
    // Prepare
    const root = await writeTree(t, { 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: *nope\n' });

    // Act
    const error = await renderError({ root });

    // Assess
    assert.match(error.message, /^cm\.yaml:6: .*anchor "nope"/);
  });

  it('refuses a FIFO in the tree instead of blocking on it', { timeout: 10_000 }, async (t) => {
    // Prepare
    const root = await writeTree(t, { 'kustomization.yaml': 'resources:\n- cm.yaml\n- pipe.yaml\n', 'cm.yaml': configMap('cm') });
    execFileSync('mkfifo', [path.join(root, 'pipe.yaml')]);

    // Act
    const error = await renderError({ root });

    // Assess
    assert.match(error.message, /^pipe\.yaml: is not a regular file/);
  });

  it('renders a plain directory holding a FIFO only when the FIFO is not a manifest', async (t) => {
    // Prepare
    const root = await writeTree(t, { 'cm.yaml': configMap('cm') });
    execFileSync('mkfifo', [path.join(root, 'events.pipe')]);

    // Act
    const rendered = await renderKustomization({ root });

    // Assess
    assert.equal(rendered.objects.length, 1);
  });
});
