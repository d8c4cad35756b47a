// `npm start` as a newcomer runs it: `tideline dev` with nothing configured starts the embedded
// default (two local clusters, the example fleet on a local Git server), syncs both clusters, and
// `tideline demo` then walks its first minute against it. Ctrl-C stops everything it started.
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runDemo } from '#shared/cli/commands/demo.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** Pids of every process whose command line names `marker`. */
function processesNaming(marker: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

test('npm start syncs the embedded fleet, the demo works against it, and Ctrl-C leaves no process behind', { timeout: 240_000 }, async () => {
  // Prepare
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tideline-embedded-'));
  const dev = spawn(process.execPath, ['shared/cli/main.ts', 'dev'], {
    cwd: root,
    env: { ...process.env, TIDELINE_DATA_DIR: dataDir, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  dev.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  dev.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => dev.on('exit', (code) => resolve(code)));
  try {
    // Act: the first sync, then the demo's four steps.
    const lines: string[] = [];
    await runDemo(dataDir, (line) => lines.push(line));
    // Assess
    assert.match(output, /cluster found cluster=dev/);
    assert.match(output, /cluster found cluster=prod/);
    assert.match(output, /skipped 3 objects of Flux's own controllers/);
    assert.match(output, /applied kustomization=prod\/flux-system\/apps revision=prod@sha1:/);
    const narration = lines.join('\n');
    assert.match(narration, /✔ applied main@sha1:\S+ in \d+ ms after the push: nginx:1\.27\.4, 3 replicas/);
    assert.match(narration, /✔ reverted to 3 replicas by the next interval/);
    assert.match(narration, /✔ RenderFailed: apps\/base\/web\.yaml:\d+: invalid YAML/);
    assert.match(narration, /✔ alert received: Render failed/);
    assert.match(narration, /✔ nothing pruned/);
    assert.match(narration, /✔ prod applied prod@sha1:/);
  } finally {
    dev.kill('SIGINT');
    const code = await exited;
    rmSync(dataDir, { recursive: true, force: true });
    assert.equal(code, 0, output.slice(-2000));
  }
  // Nothing of the embedded default outlives it: its control planes ran from the data directory.
  assert.deepEqual(processesNaming(dataDir), []);
});
