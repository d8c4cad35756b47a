/**
 * `tideline dev` (what `npm start` runs): local mode. Today it renders every Flux Kustomization of
 * a fleet repository — the embedded example fleet when none is given — with the same renderer the
 * render function uses, and prints what each cluster would receive. Wiring the functions to local
 * adapters (webhook server, in-process bus, apply to kubeconfig contexts) builds on these seams.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';

/** The example fleet shipped with Tideline, used when no fleet is given. */
export const EMBEDDED_FLEET = fileURLToPath(new URL('../../../examples/fleet', import.meta.url));

/** One rendered Kustomization, as `tideline dev` reports it. */
export interface DevRender {
  cluster: string;
  kustomization: string;
  path: string;
  objects: number;
  kinds: Record<string, number>;
  digest: string;
}

/** Renders every Kustomization of the fleet at `root` as the render function will, in path order. */
export async function renderFleet(root: string): Promise<DevRender[]> {
  const { findFleetKustomizations } = await import('#shared/config/fleet.ts');
  const { buildOptionsFromKustomization, renderKustomization } = await import('#shared/render/index.ts');
  const results: DevRender[] = [];
  for (const { cluster, kustomization } of await findFleetKustomizations(root)) {
    const spec = kustomization.spec;
    const rendered = await renderKustomization({ root, path: spec.path ?? '.', flux: buildOptionsFromKustomization(spec) });
    const kinds: Record<string, number> = {};
    for (const object of rendered.objects) kinds[object.kind] = (kinds[object.kind] ?? 0) + 1;
    results.push({
      cluster,
      kustomization: `${kustomization.metadata.namespace}/${kustomization.metadata.name}`,
      path: spec.path ?? '.',
      objects: rendered.objects.length,
      kinds,
      digest: rendered.digest,
    });
  }
  return results;
}

/** Registers the `dev` verb. */
export function registerDev(program: Command): void {
  program
    .command('dev')
    .description('run Tideline locally on a fleet repository (default: the embedded example fleet)')
    .option('--fleet <dir>', 'fleet repository checkout (clusters/<name>/ with Flux Kustomizations)')
    .action(async (options: { fleet?: string }) => {
      const root = path.resolve(options.fleet ?? EMBEDDED_FLEET);
      process.stdout.write(`Tideline local mode — fleet ${options.fleet ? root : 'embedded example (examples/fleet)'}\n`);
      const renders = await renderFleet(root);
      if (renders.length === 0) process.stdout.write('no Flux Kustomization found under clusters/<name>/\n');
      for (const render of renders) {
        const kinds = Object.entries(render.kinds)
          .map(([kind, count]) => `${count} ${kind}`)
          .join(', ');
        process.stdout.write(`cluster ${render.cluster}: Kustomization ${render.kustomization} (${render.path}) → ${render.objects} objects (${kinds}), ${render.digest}\n`);
      }
      process.stdout.write(
        [
          'Next in local mode (not wired yet): a webhook server on localhost, the in-process event bus,',
          'apply to kubeconfig contexts and a drift timer. Today: `tideline apply <dir> --context <ctx>`',
          'and `tideline diff <dir> --context <ctx>` reconcile one directory into a cluster.',
          '',
        ].join('\n'),
      );
    });
}
