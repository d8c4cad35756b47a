/**
 * Generates `docs/alerts.md`: the alerting configuration reference and a sample message for each
 * event type, rendered by the real formatter from the sample events the tests use, so the docs
 * cannot drift from what Slack receives.
 *
 *   node scripts/gen-alert-docs.ts          # rewrite docs/alerts.md
 *   node scripts/gen-alert-docs.ts --check  # exit 1 when docs/alerts.md is out of date
 */
import { readFile, writeFile } from 'node:fs/promises';
import { DOC_PATH, renderAlertDocs } from '#shared/alerts/docs.ts';

if (import.meta.main) {
  const text = renderAlertDocs();
  if (process.argv.includes('--check')) {
    const current = await readFile(DOC_PATH, 'utf8').catch(() => '');
    if (current !== text) {
      process.stderr.write('docs/alerts.md is out of date: run node scripts/gen-alert-docs.ts\n');
      process.exitCode = 1;
    }
  } else {
    await writeFile(DOC_PATH, text);
    process.stdout.write(`wrote ${DOC_PATH}\n`);
  }
}
