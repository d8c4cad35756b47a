import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { deflateSync } from 'node:zlib';
import { PackError, applyDelta, indexPack, parseCommit, parseTree } from '#shared/git/pack.ts';

function header(type: number, size: number): Buffer {
  const bytes = [(size > 15 ? 0x80 : 0) | (type << 4) | (size & 15)];
  for (let rest = size >> 4; rest > 0; rest >>= 7) bytes.push((rest > 127 ? 0x80 : 0) | (rest & 127));
  return Buffer.from(bytes);
}

function pack(objects: Buffer[]): Buffer {
  const head = Buffer.alloc(12);
  head.write('PACK', 0, 'latin1');
  head.writeUInt32BE(2, 4);
  head.writeUInt32BE(objects.length, 8);
  const body = Buffer.concat([head, ...objects]);
  return Buffer.concat([body, createHash('sha1').update(body).digest()]);
}

function blobId(text: string): string {
  return createHash('sha1')
    .update(`blob ${Buffer.byteLength(text)}\0${text}`)
    .digest('hex');
}

test('a pack with a whole blob and a ref delta on it is indexed with both object ids', () => {
  // Prepare
  const base = 'hello world, this is the base text\n';
  // Delta: source size, target size, copy the first 12 bytes, insert "Tideline\n".
  const delta = Buffer.from([base.length, 21, 0x80 | 0x10, 12, 9, ...Buffer.from('Tideline\n')]);
  const data = pack([
    Buffer.concat([header(3, base.length), deflateSync(base)]),
    Buffer.concat([header(7, delta.length), Buffer.from(blobId(base), 'hex'), deflateSync(delta)]),
  ]);
  // Act
  const { objects } = indexPack(data);
  // Assess
  assert.equal(objects.get(blobId(base))?.data.toString(), base);
  assert.equal(objects.get(blobId('hello world,Tideline\n'))?.data.toString(), 'hello world,Tideline\n');
});

test('a delta whose base is nowhere is a PackError naming the base', () => {
  // Prepare
  const delta = Buffer.from([3, 3, 0x80 | 0x10, 3]);
  const data = pack([Buffer.concat([header(7, delta.length), Buffer.alloc(20, 1), deflateSync(delta)])]);
  // Act
  const act = () => indexPack(data);
  // Assess
  assert.throws(act, (error: unknown) => error instanceof PackError && error.message === `delta base ${'01'.repeat(20)} is missing`);
});

test('a delta with the reserved instruction 0 is a PackError', () => {
  // Act
  const act = () => applyDelta(Buffer.from('abc'), Buffer.from([3, 3, 0]));
  // Assess
  assert.throws(act, (error: unknown) => error instanceof PackError && error.message === 'delta has a reserved instruction');
});

test('the .idx written for a pack git produced is the one git index-pack writes, and its objects parse', (t) => {
  // Prepare
  const dir = mkdtempSync(join(tmpdir(), 'tideline-pack-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env = {
    ...process.env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'a',
    GIT_AUTHOR_EMAIL: 'a@b',
    GIT_COMMITTER_NAME: 'a',
    GIT_COMMITTER_EMAIL: 'a@b',
  };
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env }).toString().trim();
  git('init', '-q', '-b', 'main');
  for (let i = 0; i < 30; i++) writeFileSync(join(dir, `f${i}.yaml`), `key: ${'value '.repeat(40)}${i}\n`);
  git('add', '-A');
  git('commit', '-qm', 'one');
  writeFileSync(join(dir, 'f1.yaml'), 'changed\n');
  git('commit', '-qam', 'two');
  const name = execFileSync('git', ['pack-objects', '--revs', '-q', 'out'], { cwd: dir, env, input: 'HEAD\n' }).toString().trim();
  // Act
  const { objects, idx } = indexPack(readFileSync(join(dir, `out-${name}.pack`)));
  // Assess
  assert.deepEqual(idx, readFileSync(join(dir, `out-${name}.idx`)));
  const head = objects.get(git('rev-parse', 'HEAD'));
  assert.equal(head?.type, 'commit');
  const { tree } = parseCommit(head?.data as Buffer);
  assert.equal(parseTree(objects.get(tree)?.data as Buffer).length, 30);
});
