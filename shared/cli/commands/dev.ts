/**
 * `tideline dev`: local mode. The pipeline issue wires the functions to local adapters here; until
 * then it explains what local mode will run, so `npm start` is honest about what it does.
 */
import type { Command } from 'commander';

const PLAN = `Tideline local mode
  Local mode will run the same functions as AWS with local adapters:
    - webhook intake on http://127.0.0.1:<port>/hook/<receiver digest>
    - an in-process event bus that routes with the event catalog's patterns
    - render into a filesystem artifact store (.tideline/artifacts)
    - apply to the clusters of your kubeconfig contexts
    - Slack alerts and a periodic drift sweep
  The engines are available today as CLI verbs: run \`tideline --help\`.
`;

/** Registers the `dev` verb (what `npm start` runs). */
export function registerDev(program: Command): void {
  program
    .command('dev')
    .description('run Tideline locally (in-process bus, filesystem store, kubeconfig clusters)')
    .action(() => {
      process.stdout.write(PLAN);
    });
}
