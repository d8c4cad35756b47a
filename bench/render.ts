// Benchmark: `kustomize build` against `tideline render`, each as a whole process (what a CI job or
// a cold Lambda pays), on several generated inputs shaped like real repositories:
// - fleet: ~1,000 objects (an app base, three overlay levels with prefixes, suffixes, namespaces,
//   labels, images, replicas, strategic-merge and JSON 6902 patches and ConfigMap generators, five
//   clusters), plus the in-process render time (what a warm Lambda pays);
// - big CRDs: 24 CustomResourceDefinitions (4 MB) with deep schemas and long descriptions, as
//   kube-prometheus ships them;
// - block scalars: 120 ConfigMaps holding long JSON dashboards and scripts;
// - small objects: 4,000 ConfigMaps, Services and ServiceAccounts;
// - deep overlays: 150 objects under twelve overlay levels.
// Per input: wall time (median of repeated, interleaved runs) and peak memory (max RSS, from
// /usr/bin/time) of both tools, and the ratios against the goals (wall <= 0.5x, memory <= 1x).
// Tideline is also measured with V8's young generation capped (--max-semi-space-size, as a Lambda
// can set through NODE_OPTIONS). Both outputs must be byte-identical. Prints a table and one JSON
// line per input.
// Then (or alone, with `--shapes`) the section of bench/render-shapes.ts: one 4 MiB file of each
// YAML shape, parsed.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { renderKustomization } from '#shared/render/index.ts';
import { ensureBinaries } from '#test/env/build.ts';
import { bigCrds, deepOverlays, longBlockScalars, manySmallObjects } from './render-inputs.ts';
import { benchLargeShapes } from './render-shapes.ts';

const APPS = 40;
const CLUSTERS = ['c1', 'c2', 'c3', 'c4', 'c5'];
const RUNS = Number(process.env.TIDELINE_BENCH_RUNS ?? '3');
const execFileAsync = promisify(execFile);
const projectRoot = join(import.meta.dirname, '..');

function write(root: string, path: string, text: string): void {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/** Writes the fleet tree and returns the directory to build. */
function generateFleet(root: string): string {
  const apps = Array.from({ length: APPS }, (_, i) => `svc${String(i).padStart(2, '0')}`);
  for (const [i, app] of apps.entries()) {
    write(
      root,
      `apps/base/${app}.yaml`,
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${app}
  labels:
    app.kubernetes.io/name: ${app}
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: ${app}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ${app}
    spec:
      serviceAccountName: ${app}
      containers:
        - name: app
          image: registry.example.com/shop/${app}:1.${i}.0
          args: ["--port=8080", "--log-format=json"]
          ports:
            - name: http
              containerPort: 8080
          env:
            - name: SERVICE_NAME
              value: ${app}
            - name: CACHE_TTL
              value: "300"
          envFrom:
            - configMapRef:
                name: ${app}-settings
          readinessProbe:
            httpGet:
              path: /ready
              port: http
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
        - name: proxy
          image: envoyproxy/envoy:v1.29.1
---
apiVersion: v1
kind: Service
metadata:
  name: ${app}
spec:
  selector:
    app.kubernetes.io/name: ${app}
  ports:
    - name: http
      port: 80
      targetPort: http
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${app}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: ${app}
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: ${app}
`,
    );
  }
  write(
    root,
    'apps/base/kustomization.yaml',
    `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
${apps.map((app) => `  - ${app}.yaml\n`).join('')}configMapGenerator:
${apps.map((app) => `  - name: ${app}-settings\n    literals:\n      - LOG_LEVEL=info\n      - OWNER=team-${app}\n`).join('')}`,
  );
  for (const region of ['eu', 'us']) {
    write(
      root,
      `apps/regions/${region}/kustomization.yaml`,
      `resources:
  - ../../base
namePrefix: ${region}-
labels:
  - pairs:
      topology.example.com/region: ${region}
    includeSelectors: true
images:
  - name: envoyproxy/envoy
    newTag: v1.30.1
configMapGenerator:
${apps
  .slice(0, 10)
  .map((app) => `  - name: ${app}-settings\n    behavior: merge\n    literals:\n      - REGION=${region}\n`)
  .join('')}patches:
  - target:
      kind: Deployment
    patch: |-
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: any
      spec:
        template:
          spec:
            containers:
              - name: app
                env:
                  - name: REGION
                    value: ${region}
            tolerations:
              - key: topology.example.com/region
                operator: Equal
                value: ${region}
`,
    );
    for (const env of ['staging', 'prod']) {
      write(
        root,
        `apps/envs/${env}-${region}/kustomization.yaml`,
        `resources:
  - ../../regions/${region}
namespace: shop-${env}
commonAnnotations:
  fleet.example.com/environment: ${env}
replicas:
${apps
  .slice(0, 8)
  .map((app) => `  - name: ${region}-${app}\n    count: ${env === 'prod' ? 4 : 1}\n`)
  .join('')}patches:
  - target:
      kind: Deployment
      labelSelector: topology.example.com/region=${region}
    patch: |-
      - op: add
        path: /spec/template/metadata/annotations
        value:
          prometheus.io/scrape: "true"
      - op: replace
        path: /spec/revisionHistoryLimit
        value: 5
  - target:
      kind: Service
      name: ${region}-svc0.*
    patch: |-
      apiVersion: v1
      kind: Service
      metadata:
        name: any
        annotations:
          service.beta.kubernetes.io/aws-load-balancer-type: nlb
`,
      );
    }
  }
  const placements = ['prod-eu', 'prod-us', 'staging-eu', 'prod-eu', 'staging-us'];
  CLUSTERS.forEach((cluster, i) => {
    write(
      root,
      `clusters/${cluster}/kustomization.yaml`,
      `resources:
  - ../../apps/envs/${placements[i] ?? 'prod-eu'}
nameSuffix: -${cluster}
commonLabels:
  fleet.example.com/cluster: ${cluster}
images:
  - name: registry.example.com/shop/svc00
    newName: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/svc00
    digest: sha256:${String(i).repeat(64)}
patches:
  - patch: |-
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: ${placements[i]?.endsWith('eu') ? 'eu' : 'us'}-svc01
      spec:
        template:
          spec:
            containers:
              - name: proxy
                $patch: delete
`,
    );
  });
  write(root, 'fleet/kustomization.yaml', `resources:\n${CLUSTERS.map((cluster) => `  - ../clusters/${cluster}\n`).join('')}`);
  return 'fleet';
}

async function bundleCli(outDir: string): Promise<string> {
  // Split into chunks, as the CLI ships: each verb's engine loads only when that verb runs.
  await build({
    entryPoints: { tideline: join(projectRoot, 'shared', 'cli', 'main.ts') },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    logLevel: 'error',
    banner: { js: "import { createRequire as __tidelineCreateRequire } from 'node:module'; const require = __tidelineCreateRequire(import.meta.url);" },
  });
  return join(outDir, 'tideline.mjs');
}

const TIME = '/usr/bin/time';
const TUNED_SEMI_SPACE_MB = 1;

/** One process run: wall time, and peak resident memory when /usr/bin/time can report it. */
async function measure(command: string, args: string[], scratch: string): Promise<{ ms: number; maxRssMb: number | undefined; stdout: string }> {
  const usage = join(scratch, 'usage.txt');
  const withTime = existsSync(TIME);
  const start = performance.now();
  const { stdout } = await execFileAsync(withTime ? TIME : command, withTime ? ['-f', '%M', '-o', usage, command, ...args] : args, {
    maxBuffer: 512 * 1024 * 1024,
    timeout: 300_000,
    encoding: 'utf8',
  });
  const ms = performance.now() - start;
  const maxRssMb = withTime ? Number(readFileSync(usage, 'utf8').trim().split('\n').pop()) / 1024 : undefined;
  return { ms, maxRssMb, stdout };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const INPUTS: { name: string; generate: (root: string) => string }[] = [
  { name: 'fleet', generate: generateFleet },
  { name: 'big CRDs', generate: bigCrds },
  { name: 'block scalars', generate: longBlockScalars },
  { name: 'small objects', generate: manySmallObjects },
  { name: 'deep overlays', generate: deepOverlays },
];

if (process.argv.includes('--shapes')) {
  await benchLargeShapes();
  process.exit(0);
}

const { kustomize } = await ensureBinaries();
const work = mkdtempSync(join(tmpdir(), 'tideline-bench-render-'));
try {
  const cli = await bundleCli(work);
  const node = process.execPath;
  const rows: string[] = [];
  for (const input of INPUTS) {
    const repo = join(work, input.name.replaceAll(' ', '-'));
    const path = input.generate(repo);
    const target = join(repo, path);
    const tideline = (): Promise<{ ms: number; maxRssMb: number | undefined; stdout: string }> => measure(node, [cli, 'render', target, '--root', repo], work);
    // The same with V8's young generation kept small (NODE_OPTIONS in a Lambda): most of the
    // remaining peak is V8's heap headroom, not the render's own data.
    const tuned = (): Promise<{ ms: number; maxRssMb: number | undefined; stdout: string }> =>
      measure(node, [`--max-semi-space-size=${TUNED_SEMI_SPACE_MB}`, cli, 'render', target, '--root', repo], work);

    // One untimed run each: checks the outputs agree and warms the file cache.
    const reference = await measure(kustomize, ['build', target], work);
    const ours = await tideline();
    if (ours.stdout !== reference.stdout) {
      const want = reference.stdout.split('\n');
      const got = ours.stdout.split('\n');
      let line = 0;
      while (want[line] === got[line]) line++;
      throw new Error(`${input.name}: outputs differ at line ${line + 1}: kustomize ${JSON.stringify(want[line])}, tideline ${JSON.stringify(got[line])}`);
    }
    const objects = reference.stdout.split(/^---$/m).length;
    const bytes = Buffer.byteLength(reference.stdout);

    const kustomizeRuns: { ms: number; maxRssMb: number | undefined }[] = [];
    const tidelineRuns: { ms: number; maxRssMb: number | undefined }[] = [];
    const tunedRuns: { ms: number; maxRssMb: number | undefined }[] = [];
    for (let run = 0; run < RUNS; run++) {
      // Interleaved so both tools see the same machine conditions.
      kustomizeRuns.push(await measure(kustomize, ['build', target], work));
      tidelineRuns.push(await tideline());
      tunedRuns.push(await tuned());
    }
    const kustomizeMs = median(kustomizeRuns.map((r) => r.ms));
    const tidelineMs = median(tidelineRuns.map((r) => r.ms));
    const peak = (runs: { maxRssMb: number | undefined }[]): number | undefined =>
      runs[0]?.maxRssMb === undefined ? undefined : Math.max(...runs.map((r) => r.maxRssMb as number));
    const kustomizeMb = peak(kustomizeRuns);
    const tidelineMb = peak(tidelineRuns);
    const wallRatio = tidelineMs / kustomizeMs;
    const memoryRatio = kustomizeMb === undefined || tidelineMb === undefined ? undefined : tidelineMb / kustomizeMb;
    const tunedMs = median(tunedRuns.map((r) => r.ms));
    const tunedMb = peak(tunedRuns);

    let inProcessMs: number | undefined;
    if (input.name === 'fleet') {
      const inProcessTimes: number[] = [];
      for (let run = 0; run < RUNS + 2; run++) {
        const start = performance.now();
        const result = await renderKustomization({ root: repo, path });
        const ms = performance.now() - start;
        if (result.yaml !== reference.stdout) throw new Error('in-process render differs from kustomize build');
        if (run >= 2) inProcessTimes.push(ms); // the first runs warm the JIT, as a warm Lambda would be
      }
      inProcessMs = median(inProcessTimes);
    }

    const mb = (value: number | undefined): string => (value === undefined ? 'n/a' : `${value.toFixed(0)} MB`);
    rows.push(
      `${input.name.padEnd(14)} ${String(objects).padStart(5)} objects ${(bytes / 1e6).toFixed(2).padStart(5)} MB out | ` +
        `wall ${kustomizeMs.toFixed(0).padStart(5)} ms vs ${tidelineMs.toFixed(0).padStart(5)} ms = ${wallRatio.toFixed(2)}x${wallRatio <= 0.5 ? '' : ' (goal 0.5x)'} | ` +
        `peak ${mb(kustomizeMb).padStart(6)} vs ${mb(tidelineMb).padStart(6)}${memoryRatio === undefined ? '' : ` = ${memoryRatio.toFixed(2)}x${memoryRatio <= 1 ? '' : ' (goal 1x)'}`}` +
        ` | semi-space ${TUNED_SEMI_SPACE_MB} MB: ${(tunedMs / kustomizeMs).toFixed(2)}x, ${mb(tunedMb)}${tunedMb === undefined || kustomizeMb === undefined ? '' : ` = ${(tunedMb / kustomizeMb).toFixed(2)}x`}` +
        (inProcessMs === undefined ? '' : ` | in-process ${inProcessMs.toFixed(0)} ms`),
    );
    process.stdout.write(`${rows[rows.length - 1] ?? ''}\n`);
    process.stdout.write(
      `${JSON.stringify({
        bench: 'render',
        input: input.name,
        objects,
        bytes,
        runs: RUNS,
        kustomizeMs: Number(kustomizeMs.toFixed(1)),
        tidelineMs: Number(tidelineMs.toFixed(1)),
        wallRatio: Number(wallRatio.toFixed(3)),
        kustomizeMaxRssMb: kustomizeMb === undefined ? null : Number(kustomizeMb.toFixed(1)),
        tidelineMaxRssMb: tidelineMb === undefined ? null : Number(tidelineMb.toFixed(1)),
        memoryRatio: memoryRatio === undefined ? null : Number(memoryRatio.toFixed(3)),
        tunedMs: Number(tunedMs.toFixed(1)),
        tunedMaxRssMb: tunedMb === undefined ? null : Number(tunedMb.toFixed(1)),
        ...(inProcessMs === undefined ? {} : { inProcessMs: Number(inProcessMs.toFixed(1)) }),
        identical: true,
      })}\n`,
    );
  }
  process.stdout.write(`\nkustomize build vs tideline render (whole processes, median of ${RUNS} runs; peak = max RSS over the runs)\n${rows.join('\n')}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
await benchLargeShapes();
