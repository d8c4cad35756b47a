// What the SOPS integration tests share: a clean environment for the real `sops` binary and fresh
// age keys from the real `age-keygen`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAgeIdentities } from '#shared/render/sops/index.ts';

const run = promisify(execFile);

/** An environment for sops with `home` as its home: no ambient AWS settings or age keys leak in from the machine. */
export function sopsEnvIn(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'] ?? '', HOME: home, XDG_CONFIG_HOME: path.join(home, 'config'), ...extra };
}

/** A fresh age key written by the real `age-keygen` to `file`: its identity and recipient. */
export async function newAgeKeyFile(ageKeygen: string, file: string): Promise<{ identity: string; recipient: string; file: string }> {
  await run(ageKeygen, ['-o', file], { timeout: 10_000 });
  const text = await readFile(file, 'utf8');
  const [identity] = parseAgeIdentities(text, file);
  const recipient = /public key: (age1[0-9a-z]+)/.exec(text)?.[1];
  assert.ok(identity !== undefined && recipient !== undefined);
  return { identity, recipient, file };
}
