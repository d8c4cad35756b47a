// Real-world corpus: kustomization directories taken from public repositories (see
// test/conformance/corpus/README.md), each built by the real `kustomize build` at test time and by
// renderKustomization. Where kustomize succeeds the bundles must be identical, or the directory must
// be one of the documented refusals below; where kustomize fails, Tideline must refuse too.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { InvalidInputError } from '#shared/errors/index.ts';
import { renderKustomization } from '#shared/render/index.ts';
import { ensureBinaries } from '#test/env/build.ts';
import { KUSTOMIZATION_FILE_NAMES } from '#shared/render/kustomize.ts';
import { describeMismatch, kustomizeBuild, mapLimited, type ReferenceBuild } from './harness.ts';

const corpusDir = join(import.meta.dirname, '..', 'corpus');

/**
 * Directories kustomize builds but Tideline refuses on purpose, by `<origin>/<directory>`, with the
 * reason and a pattern the refusal's message must match.
 */
const DOCUMENTED_REFUSALS: Record<string, { reason: string; message: RegExp }> = {
  'fluxcd-kustomize-controller/internal/controller/testdata/invalid/overlay': {
    reason:
      'an object without apiVersion (a typo, "piVersion") cannot be applied; kustomize prints it, Flux fails on it at apply time, Tideline refuses it at render time naming the file and line',
    message: /deployment\.yaml:22: object is missing apiVersion/,
  },
};

interface CorpusDirectory {
  /** `<origin>/<directory>`, for messages and the refusal list. */
  name: string;
  /** The origin repository's copy: the render root, as the whole repository would be. */
  root: string;
  /** The kustomization directory, relative to `root`. */
  path: string;
}

function listCorpus(): CorpusDirectory[] {
  const out: CorpusDirectory[] = [];
  const walk = (root: string, dir: string): void => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (entries.some((entry) => entry.isFile() && KUSTOMIZATION_FILE_NAMES.includes(entry.name))) {
      const path = relative(root, dir) || '.';
      out.push({ name: `${relative(corpusDir, root)}/${path}`, root, path });
    }
    for (const entry of entries) if (entry.isDirectory()) walk(root, join(dir, entry.name));
  };
  for (const origin of readdirSync(corpusDir, { withFileTypes: true })) {
    if (origin.isDirectory()) walk(join(corpusDir, origin.name), join(corpusDir, origin.name));
  }
  return out;
}

const directories = listCorpus();
const { kustomize } = await ensureBinaries();
const references: ReferenceBuild[] = await mapLimited(directories, availableParallelism(), (d) => kustomizeBuild(kustomize, join(d.root, d.path)));
const outcomes = { identical: 0, refusals: 0, bothRefused: 0 };

directories.forEach((directory, index) => {
  test(`corpus ${directory.name}: renders as kustomize build does, or refuses as documented`, async () => {
    // Prepare
    const reference = references[index] as ReferenceBuild;
    const documented = DOCUMENTED_REFUSALS[directory.name];

    // Act
    let rendered: string | Error;
    try {
      rendered = (await renderKustomization({ root: directory.root, path: directory.path })).yaml;
    } catch (error) {
      rendered = error instanceof Error ? error : new Error(String(error));
    }

    // Assess
    if (!reference.ok) {
      // Components and bases that only build inside an overlay: kustomize refuses them alone.
      assert.ok(
        rendered instanceof InvalidInputError,
        `kustomize refused ${directory.name} but Tideline ${rendered instanceof Error ? `failed with ${String(rendered)}` : 'rendered it'}:\n${reference.error}`,
      );
      outcomes.bothRefused++;
      return;
    }
    if (documented !== undefined) {
      assert.ok(
        rendered instanceof InvalidInputError,
        `${directory.name} is a documented refusal (${documented.reason}) but Tideline ${rendered instanceof Error ? `failed with ${String(rendered)}` : 'rendered it'}`,
      );
      assert.match(rendered.message, documented.message);
      outcomes.refusals++;
      return;
    }
    if (rendered instanceof Error) assert.fail(`${directory.name}: Tideline failed where kustomize succeeded: ${rendered.message}`);
    if (rendered !== reference.yaml) assert.fail(`${directory.name}: ${describeMismatch(reference.yaml, rendered)}`);
    outcomes.identical++;
  });
});

test('the corpus is real-sized and every documented refusal is still in it', (t) => {
  // Act: tally what the corpus tests above found
  const built = directories.filter((_, index) => references[index]?.ok).length;
  const summary = `corpus: ${directories.length} directories, kustomize builds ${built}: ${outcomes.identical} identical, ${outcomes.refusals} documented refusals; ${outcomes.bothRefused} refused by both`;
  t.diagnostic(summary);
  process.stdout.write(`${summary}\n`);

  // Assess
  assert.ok(built >= 150, `expected at least 150 directories kustomize builds, found ${built}`);
  for (const name of Object.keys(DOCUMENTED_REFUSALS))
    assert.ok(
      directories.some((d) => d.name === name),
      `documented refusal ${name} is not in the corpus`,
    );
  assert.equal(outcomes.identical + outcomes.refusals, built, 'every directory kustomize builds is identical or a documented refusal');
});
