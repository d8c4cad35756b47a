/**
 * SOPS-encrypted generator inputs, patch files and Secret data entries, against the real `sops`
 * and `kustomize` binaries. Flux decrypts the inputs in place and then runs `kustomize build`, so
 * the reference for each fleet tree is `kustomize build` of a copy in which every encrypted file
 * was replaced by what `sops decrypt` prints for it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { AwsKmsDecrypter } from '#shared/adapters/aws/kms-decrypt.ts';
import { InvalidInputError } from '#shared/errors/index.ts';
import { createSopsDecryptor, renderKustomization } from '#shared/render/index.ts';
import { getTestEnv } from '#test/env/index.ts';
import { rejection } from '#test/support/assert.ts';
import { newAgeKeyFile, sopsEnvIn } from './sops-keys.ts';

const run = promisify(execFile);

let dir: string;
let tools: { sops: string; ageKeygen: string; kustomize: string };
let identity: string;
let recipient: string;
let counter = 0;

/** A clean environment for sops (see sopsEnvIn). */
const sopsEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => sopsEnvIn(dir, extra);

const newAgeKey = () => newAgeKeyFile(tools.ageKeygen, path.join(dir, `key-${++counter}.txt`));

let keyFile: string;

/** Writes `plaintext` to `target` encrypted by the real sops (format from the name, as for users). */
async function writeEncrypted(
  target: string,
  plaintext: string | Buffer,
  extraArgs: string[] = [],
  keyArgs = ['--age', recipient],
  env: Record<string, string> = {},
): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, plaintext);
  const { stdout } = await run(tools.sops, ['encrypt', ...keyArgs, ...extraArgs, target], { timeout: 30_000, env: sopsEnv(env), encoding: 'buffer' });
  await writeFile(target, stdout);
}

async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [relative, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, relative)), { recursive: true });
    await writeFile(path.join(root, relative), content);
  }
}

/** `kustomize build` of a copy of `root` in which each listed file is replaced by its `sops decrypt` output. */
async function referenceBuild(root: string, buildPath: string, encrypted: string[]): Promise<string> {
  const copy = await mkdtemp(path.join(dir, 'reference-'));
  await cp(root, copy, { recursive: true });
  for (const relative of encrypted) {
    const target = path.join(copy, relative);
    const { stdout } = await run(tools.sops, ['decrypt', target], { timeout: 30_000, env: sopsEnv({ SOPS_AGE_KEY_FILE: keyFile }), encoding: 'buffer' });
    await writeFile(target, stdout);
  }
  const { stdout } = await run(tools.kustomize, ['build', path.join(copy, buildPath)], { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.27
          envFrom:
            - secretRef:
                name: app
`;

const TRICKY_YAML = `a: "123"
b: "true"
c: "null"
d: "1.5"
e: "~"
f: ""
g: "  leading"
h: "trailing  "
i: "a: b"
j: "#hash"
k: "- dash"
l: "multi\\nline\\n"
m: "multi\\nno-trailing"
n: "@at"
o: 'it''s'
p: "0x1F"
q: "2024-01-01"
r: "1_000"
s: "on"
t: "very long string that goes on and on and on and on and on and on and on and on and on and on and on past eighty columns"
u: [1, 2]
v: {}
w: []
x: null
y: 1.0
z: "*star"
aa: "key: {x}"
bb: "tab\\tinside"
cc: "ü"
dd: "[x]"
ee: "%pct"
ff: "\`tick"
gg: "0o17"
hh: "017"
ii: ".inf"
jj: "-"
kk: "x #y"
`;
const TRICKY_JSON =
  '{"html": "<a & b>", "uni": "z\u00fcrich \u2713 \\u2028", "ctrl": "tab\\there", "float": 1.5e300, "small": 0.0000001, "int": 42, "f2": 2.0, "neg": -0.0, "nested": {"e": {}, "l": [[]]}}';

const COMMENTED_YAML = [
  `# top comment
# second top line
a: 1

# before b
b: two # inline b
c:
    # first in c
    x: 1
    y: [1, 2]
    # before z
    z:
        - p # inline p
        # before q
        - q
    # trailing in c
d: end
# final
`,
  `# only a header
name: app
nested:
  deep:
    # in deep
    k: v   # trailing k
  list:
    - a: 1 # in item map
      # before b in item
      b: 2
    - plain
  # after list
other: 1
`,
  `---
# header after marker
matrix:
  - [1, 2]
  - - x
    # between
    - y
empty: {} # empty map
text: | # block
  hello
  world
deep:
  # a
  # b
  inner:
    # c
    leaf: 1
`,
];

const BINARY = Buffer.from([0x00, 0x01, 0xfe, 0xff, 0x80, 0x41, 0x0a, 0xc3]);

describe('SOPS-encrypted generator inputs and Secret data entries', () => {
  let fleet: string;
  const decryptor = (): ReturnType<typeof createSopsDecryptor> => createSopsDecryptor({ ageIdentities: [identity] });

  before(async () => {
    const env = await getTestEnv();
    tools = env.tools;
    dir = await mkdtemp(path.join(tmpdir(), 'tideline-sops-gen-'));
    const key = await newAgeKey();
    ({ identity, recipient } = key);
    keyFile = key.file;
    fleet = path.join(dir, 'fleet');
    await writeFiles(fleet, {
      'base/deploy.yaml': deployment,
      'base/plain.txt': 'not a secret\n',
      'base/kustomization.yaml': `resources:
  - deploy.yaml
secretGenerator:
  - name: app
    envs:
      - secrets.enc.env
  - name: files
    files:
      - blob.bin
      - config.enc.yaml
      - settings.enc.json
      - app.yaml=conf/renamed.enc.yaml
      - server.ini
      - plain.txt
patches:
  - path: patch.enc.yaml
`,
      'overlays/prod/kustomization.yaml': 'resources:\n  - ../../base\nnamePrefix: prod-\nsecretGenerator:\n  - name: prod\n    envs:\n      - prod.enc.env\n',
    });
    const encryptedInputs: [string, string | Buffer][] = [
      ['base/secrets.enc.env', '# database\nDB_USER=admin\nDB_PASSWORD=s3cr3t=with=equals\nMULTI=one\\ntwo\nEMPTY=\n'],
      ['base/blob.bin', BINARY],
      [
        'base/config.enc.yaml',
        'db:\n  host: db.internal\n  port: 5432\n  replicas: [a, "8080", true]\n  tls: |\n    -----BEGIN-----\n    abc\nflag: "yes"\nempty: {}\n',
      ],
      ['base/settings.enc.json', '{"token": "t0k3n", "limits": {"cpu": 2, "ratio": 0.5, "on": false, "none": null}, "list": []}'],
      ['base/conf/renamed.enc.yaml', 'apiKey: k3y\n'],
      ['base/server.ini', '; server settings\n[server]\nhost = db.internal\npassword_key=p@ss ; rotated monthly\n\n[limits]\nmax = 10\n'],
      ['overlays/prod/prod.enc.env', 'REGION=eu-west-1\nPROD_TOKEN=prod-s3cr3t\n'],
    ];
    for (const [file, plaintext] of encryptedInputs) await writeEncrypted(path.join(fleet, file), plaintext);
    await writeEncrypted(
      path.join(fleet, 'base/patch.enc.yaml'),
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n            - name: TOKEN\n              value: patched-secret\n',
      ['--encrypted-regex', '^(value)$'],
    );
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const ENCRYPTED_INPUTS = [
    'base/secrets.enc.env',
    'base/blob.bin',
    'base/config.enc.yaml',
    'base/settings.enc.json',
    'base/conf/renamed.enc.yaml',
    'base/server.ini',
    'base/patch.enc.yaml',
    'overlays/prod/prod.enc.env',
  ];

  it('renders nested overlays with encrypted dotenv, binary, YAML, JSON and INI inputs, a key=path rename and an encrypted patch exactly as kustomize builds the decrypted tree', async () => {
    // Prepare
    const expected = await referenceBuild(fleet, 'overlays/prod', ENCRYPTED_INPUTS);

    // Act
    const rendered = await renderKustomization({ root: fleet, path: 'overlays/prod', flux: { decryption: decryptor() } });

    // Assess
    assert.equal(rendered.yaml, expected);
    assert.ok(rendered.yaml.includes(`blob.bin: ${BINARY.toString('base64')}`));
    assert.ok(rendered.yaml.includes(`DB_PASSWORD: ${Buffer.from('s3cr3t=with=equals').toString('base64')}`));
    assert.ok(rendered.yaml.includes(`plain.txt: ${Buffer.from('not a secret\n').toString('base64')}`));
    assert.match(rendered.yaml, /replicas: 3/);
    assert.doesNotMatch(rendered.yaml, /ENC\[|sops/);
  });

  it('writes decrypted YAML and JSON files exactly as sops decrypt prints them (quoting, block scalars, escapes, numbers, decrypted comments)', async () => {
    // Prepare
    const root = path.join(dir, 'styles');
    const commented = COMMENTED_YAML.map((_, index) => `commented-${index}.yaml`);
    await writeFiles(root, {
      'kustomization.yaml': `secretGenerator:\n  - name: styles\n    files:\n      - tricky.yaml\n      - tricky.json\n${commented.map((file) => `      - ${file}\n`).join('')}`,
    });
    await writeEncrypted(path.join(root, 'tricky.yaml'), TRICKY_YAML);
    await writeEncrypted(path.join(root, 'tricky.json'), TRICKY_JSON);
    for (const [index, file] of commented.entries()) await writeEncrypted(path.join(root, file), COMMENTED_YAML[index] ?? '');
    const expected = await referenceBuild(root, '.', ['tricky.yaml', 'tricky.json', ...commented]);

    // Act
    const rendered = await renderKustomization({ root, flux: { decryption: decryptor() } });

    // Assess
    assert.equal(rendered.yaml, expected);
  });

  it('decrypts a generator input whose data key AWS KMS wraps (moto)', async () => {
    // Prepare
    const { moto } = await getTestEnv();
    const clientConfig = { endpoint: moto.endpoint, credentials: moto.credentials };
    const kms = new KMSClient({ ...clientConfig, region: moto.region });
    const arn = (await kms.send(new CreateKeyCommand({ Description: 'tideline sops generator input' }))).KeyMetadata?.Arn as string;
    const root = path.join(dir, 'kms');
    await writeFiles(root, { 'kustomization.yaml': 'secretGenerator:\n  - name: kms\n    envs:\n      - app.enc.env\n' });
    await writeEncrypted(path.join(root, 'app.enc.env'), 'TOKEN=kms-protected\n', [], ['--kms', arn], {
      AWS_ENDPOINT_URL_KMS: moto.endpoint,
      AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
      AWS_REGION: moto.region,
    });

    // Act
    const rendered = await renderKustomization({ root, flux: { decryption: createSopsDecryptor({ kms: new AwsKmsDecrypter({ clientConfig }) }) } });

    // Assess
    assert.ok(rendered.yaml.includes(`TOKEN: ${Buffer.from('kms-protected').toString('base64')}`), rendered.yaml);
  });

  it('leaves the checkout untouched: the encrypted files are still encrypted after the render', async () => {
    // Prepare
    const before = await readFile(path.join(fleet, 'base/secrets.enc.env'), 'utf8');

    // Act
    await renderKustomization({ root: fleet, path: 'overlays/prod', flux: { decryption: decryptor() } });

    // Assess
    assert.equal(await readFile(path.join(fleet, 'base/secrets.enc.env'), 'utf8'), before);
    assert.match(before, /sops_mac=ENC\[/);
  });

  it('decrypts a Secret data entry that holds an encrypted file after the build, writing it in the format of its key', async () => {
    // Prepare
    const root = path.join(dir, 'data-entry');
    await writeEncrypted(path.join(dir, 'inputs', 'config.env'), 'USER=svc\nPASSWORD=hunter2\n');
    await writeEncrypted(path.join(dir, 'inputs', 'cert.bin'), BINARY);
    const encryptedEnv = await readFile(path.join(dir, 'inputs', 'config.env'));
    const encryptedBin = await readFile(path.join(dir, 'inputs', 'cert.bin'));
    const secret = (env: Buffer, bin: Buffer): string =>
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: data-entries\ntype: Opaque\ndata:\n  config.env: ${env.toString('base64')}\n  cert.bin: ${bin.toString('base64')}\n  plain: ${Buffer.from('left alone').toString('base64')}\n`;
    await writeFiles(root, {
      'encrypted/kustomization.yaml': 'resources:\n  - secret.yaml\n',
      'encrypted/secret.yaml': secret(encryptedEnv, encryptedBin),
      'plain/kustomization.yaml': 'resources:\n  - secret.yaml\n',
      'plain/secret.yaml': secret(Buffer.from('USER=svc\nPASSWORD=hunter2\n'), BINARY),
    });
    const expected = (await run(tools.kustomize, ['build', path.join(root, 'plain')], { timeout: 30_000 })).stdout;

    // Act
    const rendered = await renderKustomization({ root, path: 'encrypted', flux: { decryption: decryptor() } });

    // Assess
    assert.equal(rendered.yaml, expected);
  });

  it('leaves a Secret annotated kustomize.toolkit.fluxcd.io/decrypt: disabled as it is', async () => {
    // Prepare
    const root = path.join(dir, 'opt-out');
    await writeEncrypted(path.join(dir, 'inputs', 'kept.env'), 'PASSWORD=hunter2\n');
    const encoded = (await readFile(path.join(dir, 'inputs', 'kept.env'))).toString('base64');
    await writeFiles(root, {
      'kustomization.yaml': 'resources:\n  - secret.yaml\n',
      'secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: kept\n  annotations:\n    kustomize.toolkit.fluxcd.io/decrypt: disabled\ndata:\n  kept.env: ${encoded}\n`,
    });

    // Act
    const rendered = await renderKustomization({ root, flux: { decryption: decryptor() } });

    // Assess
    assert.ok(rendered.yaml.includes(`kept.env: ${encoded}`));
  });

  it('fails naming the file, and no value or key, when no offered key can unwrap an input', async () => {
    // Prepare
    const other = await newAgeKey();

    // Act
    const error = await rejection(
      renderKustomization({ root: fleet, path: 'overlays/prod', flux: { decryption: createSopsDecryptor({ ageIdentities: [other.identity] }) } }),
    );

    // Assess
    assert.ok(error instanceof InvalidInputError);
    // The overlay's own input is decrypted first, before those of its base.
    assert.match(error.message, /^overlays\/prod\/prod\.enc\.env: no key could unwrap the sops data key/);
    assert.ok(error.message.includes(recipient));
    assert.doesNotMatch(error.message, /AGE-SECRET-KEY|s3cr3t|admin/);
  });

  it('refuses an encrypted dotenv input with a value removed after encryption (MAC mismatch), naming the file', async () => {
    // Prepare
    const root = path.join(dir, 'tampered');
    await writeFiles(root, { 'kustomization.yaml': 'secretGenerator:\n  - name: app\n    envs:\n      - app.enc.env\n' });
    await writeEncrypted(path.join(root, 'app.enc.env'), 'KEEP=visible-secret\nDROP=dropped-secret\n');
    const text = await readFile(path.join(root, 'app.enc.env'), 'utf8');
    await writeFile(path.join(root, 'app.enc.env'), text.replace(/^DROP=.*\n/m, ''));

    // Act
    const error = await rejection(renderKustomization({ root, flux: { decryption: decryptor() } }));

    // Assess
    assert.ok(error instanceof InvalidInputError);
    assert.match(error.message, /app\.enc\.env: the sops MAC does not match/);
    assert.doesNotMatch(error.message, /visible-secret|dropped-secret/);
  });

  it('refuses an encrypted value moved to another key, naming the file and the key', async () => {
    // Prepare
    const root = path.join(dir, 'moved');
    await writeFiles(root, { 'kustomization.yaml': 'secretGenerator:\n  - name: app\n    envs:\n      - app.enc.env\n' });
    await writeEncrypted(path.join(root, 'app.enc.env'), 'A=first-secret\nB=second-secret\n');
    const text = await readFile(path.join(root, 'app.enc.env'), 'utf8');
    const a = /^A=(.*)$/m.exec(text)?.[1] ?? '';
    const b = /^B=(.*)$/m.exec(text)?.[1] ?? '';
    await writeFile(path.join(root, 'app.enc.env'), text.replace(`A=${a}`, `A=${b}`).replace(`B=${b}`, `B=${a}`));

    // Act
    const error = await rejection(renderKustomization({ root, flux: { decryption: decryptor() } }));

    // Assess
    assert.ok(error instanceof InvalidInputError);
    assert.match(error.message, /app\.enc\.env: value at A failed authentication/);
    assert.doesNotMatch(error.message, /first-secret|second-secret/);
  });

  it('never reads an encrypted input outside the root: the build refuses the path', async () => {
    // Prepare
    const root = path.join(dir, 'escape', 'repo');
    await writeEncrypted(path.join(dir, 'escape', 'outside.enc.env'), 'STOLEN=outside-secret\n');
    await writeFiles(root, { 'kustomization.yaml': 'secretGenerator:\n  - name: app\n    envs:\n      - ../outside.enc.env\n' });

    // Act
    const error = await rejection(renderKustomization({ root, flux: { decryption: decryptor() } }));

    // Assess
    assert.ok(error instanceof InvalidInputError);
    assert.match(error.message, /points outside the repository root/);
    assert.doesNotMatch(error.message, /outside-secret/);
  });

  it('leaves encrypted inputs alone when the Kustomization has no decryption, as Flux does', async () => {
    // Act
    const rendered = await renderKustomization({ root: fleet, path: 'base' });

    // Assess: the encrypted dotenv's entries, sops metadata included, became data keys as they stand
    assert.match(rendered.yaml, /\n {2}sops_mac: /);
    assert.ok(!rendered.yaml.includes(Buffer.from('s3cr3t=with=equals').toString('base64')));
  });
});
