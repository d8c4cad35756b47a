/**
 * SOPS decryption against documents encrypted by the real `sops` binary: fresh age keys from the
 * real `age-keygen`, and AWS KMS keys in moto (sops pointed at it with AWS_ENDPOINT_URL_KMS).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { parse } from 'yaml';
import { AwsKmsDecrypter } from '#shared/adapters/aws/kms-decrypt.ts';
import { InvalidInputError } from '#shared/errors/index.ts';
import { decryptSopsText } from '#shared/render/sops/index.ts';
import { getTestEnv } from '#test/env/index.ts';
import { rejection } from '#test/support/assert.ts';
import { newAgeKeyFile, sopsEnvIn } from './sops-keys.ts';

const run = promisify(execFile);

let dir: string;
let tools: { sops: string; ageKeygen: string };
let identity: string;
let recipient: string;
let counter = 0;

/** A clean environment for sops (see sopsEnvIn). */
const sopsEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => sopsEnvIn(dir, extra);

const newAgeKey = () => newAgeKeyFile(tools.ageKeygen, path.join(dir, `key-${++counter}.txt`));

/** Encrypts `plaintext` with the real sops; `extension` decides the format as it does for users. */
async function sopsEncrypt(
  plaintext: string,
  args: string[],
  extension = 'yaml',
  env: Record<string, string> = {},
  globalArgs: string[] = [],
): Promise<string> {
  const file = path.join(dir, `doc-${++counter}.${extension}`);
  await writeFile(file, plaintext);
  const { stdout } = await run(tools.sops, [...globalArgs, 'encrypt', ...args, file], { timeout: 30_000, env: sopsEnv(env) });
  return stdout;
}

/** `encrypted` with the first ciphertext character of the value at top-level `key` changed (A to B, anything else to A). */
function withCiphertextFlipped(encrypted: string, key: string): string {
  return encrypted.replace(
    new RegExp(`(${key}: ENC\\[AES256_GCM,data:)([A-Za-z0-9+/])`),
    (_, head: string, first: string) => `${head}${first === 'A' ? 'B' : 'A'}`,
  );
}

const SHAPES = `apiVersion: v1
kind: Secret
metadata:
  name: db
  labels:
    app: shop
stringData:
  password: "p@ss: w0rd # not a comment"
  port: 5432
  negative: -17
  ratio: 0.125
  huge: 12345678901234
  enabled: true
  disabled: false
  empty: ""
  missing: null
  quotedNumber: "8080"
  certificate: |
    -----BEGIN CERTIFICATE-----
    MIIBszCCAVmgAwIBAgIUQ
    -----END CERTIFICATE-----
  folded: >
    one
    two
  hosts:
    - a.example
    - 443
    - true
    - nested:
        deep:
          - [x, 1]
  unicode: "zürich ✓"
  tiny: 0.0000001
  large: 1.5e+300
limits_unencrypted:
  tiny: 0.0000001
  large: 1.5e+300
  count: 12
  on: true
`;

describe('SOPS documents encrypted by the real sops', () => {
  before(async () => {
    const env = await getTestEnv();
    tools = env.tools;
    dir = await mkdtemp(path.join(tmpdir(), 'tideline-sops-'));
    ({ identity, recipient } = await newAgeKey());
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('decrypts nested maps, lists, numbers, booleans and multi-line strings to exactly the plaintext', async () => {
    // Prepare
    const encrypted = await sopsEncrypt(SHAPES, ['--age', recipient]);

    // Act
    const plain = await decryptSopsText(encrypted, { ageIdentities: [identity] }, 'shapes.enc.yaml');

    // Assess
    assert.match(encrypted, /ENC\[AES256_GCM,data:/);
    assert.deepEqual(plain, parse(SHAPES));
  });

  it('decrypts a JSON document as sops decrypt does', async () => {
    // Prepare
    const json = JSON.stringify({ name: 'db', replicas: 3, weights: [0.5, 1.5], tls: { enabled: true, key: 'k\ney' } }, null, 2);
    const encrypted = await sopsEncrypt(json, ['--age', recipient], 'json');
    const keyFile = path.join(dir, 'decrypt.agekey');
    await writeFile(keyFile, `${identity}\n`);
    const encryptedFile = path.join(dir, `ref-${++counter}.json`);
    await writeFile(encryptedFile, encrypted);
    const reference = (await run(tools.sops, ['decrypt', encryptedFile], { env: sopsEnv({ SOPS_AGE_KEY_FILE: keyFile }), timeout: 30_000 })).stdout;

    // Act
    const plain = await decryptSopsText(encrypted, { ageIdentities: [identity] }, 'doc.enc.json');

    // Assess
    assert.deepEqual(plain, JSON.parse(json));
    assert.deepEqual(plain, JSON.parse(reference));
  });

  // Partial encryption: each rule leaves some keys in clear in the file, and all of it decrypts.
  const partial: { name: string; doc: string; flags: string[]; file: string; inClear: RegExp[]; hidden: RegExp[] }[] = [
    {
      name: 'with encrypted_regex ^(data|stringData)$ only the Secret data is encrypted, and all of it decrypts',
      doc: 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: api\n  namespace: shop\ntype: Opaque\ndata:\n  token: c2VjcmV0\nstringData:\n  user: admin\n',
      flags: ['--encrypted-regex', '^(data|stringData)$'],
      file: 'api.enc.yaml',
      inClear: [/name: api/],
      hidden: [/c2VjcmV0/],
    },
    {
      name: 'keeps keys with the unencrypted suffix in clear and decrypts the rest',
      doc: 'db:\n  host_public: db.internal\n  password: s3cret\nlimits_public:\n  cpu: 2\n',
      flags: ['--unencrypted-suffix', '_public'],
      file: 'suffix.enc.yaml',
      inClear: [/host_public: db\.internal/, /cpu: 2/],
      hidden: [],
    },
    {
      name: 'decrypts only the keys with the encrypted suffix',
      doc: 'user: admin\npassword_secret: s3cret\nnested:\n  token_secret:\n    - a\n    - b\n',
      flags: ['--encrypted-suffix', '_secret'],
      file: 'esuffix.enc.yaml',
      inClear: [/user: admin/],
      hidden: [],
    },
    {
      name: 'honours unencrypted_regex',
      doc: 'metadata:\n  name: x\nspec:\n  password: s3cret\n',
      flags: ['--unencrypted-regex', '^metadata$'],
      file: 'uregex.enc.yaml',
      inClear: [/name: x/],
      hidden: [],
    },
  ];
  for (const c of partial) {
    it(c.name, async () => {
      // Prepare
      const encrypted = await sopsEncrypt(c.doc, ['--age', recipient, ...c.flags]);

      // Act
      const plain = await decryptSopsText(encrypted, { ageIdentities: [identity] }, c.file);

      // Assess
      for (const pattern of c.inClear) assert.match(encrypted, pattern);
      for (const pattern of c.hidden) assert.doesNotMatch(encrypted, pattern);
      assert.deepEqual(plain, parse(c.doc));
    });
  }

  it('with mac_only_encrypted, an unencrypted field edited after encryption still verifies', async () => {
    // Prepare
    const secret = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: api\ndata:\n  token: c2VjcmV0\n';
    // mac_only_encrypted has no command-line flag: it comes from a creation rule.
    const config = path.join(dir, 'mac-only.sops.yaml');
    await writeFile(config, `creation_rules:\n  - age: ${recipient}\n    encrypted_regex: ^data$\n    mac_only_encrypted: true\n`);
    const encrypted = await sopsEncrypt(secret, [], 'yaml', {}, ['--config', config]);
    const edited = encrypted.replace('name: api', 'name: renamed');

    // Act
    const plain = (await decryptSopsText(edited, { ageIdentities: [identity] }, 'maconly.enc.yaml')) as { metadata: { name: string }; data: { token: string } };

    // Assess
    assert.match(encrypted, /mac_only_encrypted: true/);
    assert.deepEqual(plain, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'renamed' }, data: { token: 'c2VjcmV0' } });
  });

  it('without mac_only_encrypted, an unencrypted field edited after encryption fails the MAC', async () => {
    // Prepare
    const secret = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: api\ndata:\n  token: c2VjcmV0\n';
    const encrypted = await sopsEncrypt(secret, ['--age', recipient, '--encrypted-regex', '^data$']);
    const edited = encrypted.replace('name: api', 'name: renamed');

    // Act
    const error = await rejection(decryptSopsText(edited, { ageIdentities: [identity] }, 'edited.enc.yaml'));

    // Assess
    assert.ok(error instanceof InvalidInputError);
    assert.match(error.message, /MAC does not match/);
  });

  it('a tampered value is refused without showing any plaintext', async () => {
    // Prepare
    const encrypted = await sopsEncrypt('password: hunter2\nother: value2\n', ['--age', recipient]);
    const tampered = withCiphertextFlipped(encrypted, 'password');

    // Act
    const error = await rejection(decryptSopsText(tampered, { ageIdentities: [identity] }, 'tampered.enc.yaml'));

    // Assess
    assert.notEqual(tampered, encrypted);
    assert.match(error.message, /value at password failed authentication/);
    assert.doesNotMatch(error.message, /hunter2|value2/);
  });

  it('a tampered MAC is refused', async () => {
    // Prepare
    const encrypted = await sopsEncrypt('password: hunter2\n', ['--age', recipient]);
    const tampered = withCiphertextFlipped(encrypted, 'mac');

    // Act
    const error = await rejection(decryptSopsText(tampered, { ageIdentities: [identity] }, 'mac.enc.yaml'));

    // Assess
    assert.match(error.message, /the sops mac failed authentication/);
  });

  it('a wrong key is refused naming the recipients tried, without key material', async () => {
    // Prepare
    const other = await newAgeKey();
    const second = await newAgeKey();
    const encrypted = await sopsEncrypt('password: hunter2\n', ['--age', `${recipient},${second.recipient}`]);

    // Act
    const error = await rejection(decryptSopsText(encrypted, { ageIdentities: [other.identity] }, 'wrong.enc.yaml'));

    // Assess
    assert.ok(error instanceof InvalidInputError);
    assert.ok(error.message.includes(recipient) && error.message.includes(second.recipient), error.message);
    assert.doesNotMatch(error.message, /AGE-SECRET-KEY|hunter2/);
  });

  it('any one of several recipients decrypts', async () => {
    // Prepare
    const second = await newAgeKey();
    const encrypted = await sopsEncrypt('password: hunter2\n', ['--age', `${recipient},${second.recipient}`]);

    // Act
    const plain = await decryptSopsText(encrypted, { ageIdentities: [second.identity] }, 'multi.enc.yaml');

    // Assess
    assert.deepEqual(plain, { password: 'hunter2' });
  });

  it('decrypts a data key wrapped by AWS KMS (moto) through the SDK adapter, with the encryption context', async () => {
    // Prepare
    const { moto } = await getTestEnv();
    const clientConfig = { endpoint: moto.endpoint, credentials: moto.credentials };
    const kms = new KMSClient({ ...clientConfig, region: moto.region });
    const key = await kms.send(new CreateKeyCommand({ Description: 'tideline sops test' }));
    const arn = key.KeyMetadata?.Arn;
    assert.ok(arn !== undefined);
    const encrypted = await sopsEncrypt('password: hunter2\nreplicas: 3\n', ['--kms', arn, '--encryption-context', 'app:shop'], 'yaml', {
      AWS_ENDPOINT_URL_KMS: moto.endpoint,
      AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
      AWS_REGION: moto.region,
    });
    const decrypter = new AwsKmsDecrypter({ clientConfig });

    // Act
    const plain = await decryptSopsText(encrypted, { kms: decrypter }, 'kms.enc.yaml');

    // Assess
    assert.match(encrypted, /context:\s+app: shop/);
    assert.deepEqual(plain, { password: 'hunter2', replicas: 3 });
  });

  it('a KMS key refusing the wrapped data key (wrong encryption context) is a clear error', async () => {
    // Prepare
    const { moto } = await getTestEnv();
    const clientConfig = { endpoint: moto.endpoint, credentials: moto.credentials };
    const kms = new KMSClient({ ...clientConfig, region: moto.region });
    const key = await kms.send(new CreateKeyCommand({ Description: 'tideline sops test' }));
    const arn = key.KeyMetadata?.Arn as string;
    const encrypted = await sopsEncrypt('password: hunter2\n', ['--kms', arn, '--encryption-context', 'app:shop'], 'yaml', {
      AWS_ENDPOINT_URL_KMS: moto.endpoint,
      AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
      AWS_REGION: moto.region,
    });
    const forged = encrypted.replace('app: shop', 'app: other');

    // Act
    const error = await rejection(decryptSopsText(forged, { kms: new AwsKmsDecrypter({ clientConfig }) }, 'ctx.enc.yaml'));

    // Assess
    assert.ok(error instanceof InvalidInputError);
    assert.ok(error.message.includes(`AWS KMS keys ${arn}`), error.message);
    assert.doesNotMatch(error.message, /hunter2/);
  });
});

describe('rendering a Kustomization with spec.decryption', () => {
  const CLI = path.resolve(import.meta.dirname, '../../../shared/cli/main.ts');
  const secret = (name: string, annotations = ''): string =>
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n${annotations}type: Opaque\nstringData:\n  url: postgres://\${DB_HOST}/app\n  password: hunter2\n  port: "5432"\n`;
  const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  db: db\n';
  const database =
    'apiVersion: example.com/v1\nkind: Database\nmetadata:\n  name: orders\nspec:\n  replicas: 3\n  ratio: 0.5\n  backups: true\n  password: hunter2\n';
  const kustomization = (resources: string[]): string =>
    `resources:\n${resources.map((r) => `  - ${r}\n`).join('')}namePrefix: prod-\ncommonLabels:\n  team: shop\n`;
  let repo: string;
  let keyFile: string;

  before(async () => {
    const env = await getTestEnv();
    tools = env.tools;
    dir = await mkdtemp(path.join(tmpdir(), 'tideline-sops-render-'));
    ({ identity, recipient } = await newAgeKey());
    keyFile = path.join(dir, 'keys.agekey');
    await writeFile(keyFile, `# test key\n${identity}\n`);
    repo = path.join(dir, 'repo');
    const { mkdir } = await import('node:fs/promises');
    for (const sub of ['encrypted', 'plain', 'generator']) await mkdir(path.join(repo, sub), { recursive: true });
    const encrypt = (text: string): Promise<string> => sopsEncrypt(text, ['--age', recipient, '--encrypted-regex', '^(data|stringData|spec)$']);
    await writeFile(path.join(repo, 'encrypted', 'db.enc.yaml'), await encrypt(secret('db')));
    await writeFile(path.join(repo, 'encrypted', 'settings.yaml'), configMap);
    await writeFile(path.join(repo, 'encrypted', 'orders.enc.yaml'), await encrypt(database));
    await writeFile(path.join(repo, 'encrypted', 'kustomization.yaml'), kustomization(['db.enc.yaml', 'settings.yaml', 'orders.enc.yaml']));
    await writeFile(path.join(repo, 'plain', 'db.yaml'), secret('db'));
    await writeFile(path.join(repo, 'plain', 'settings.yaml'), configMap);
    await writeFile(path.join(repo, 'plain', 'orders.yaml'), database);
    await writeFile(path.join(repo, 'plain', 'kustomization.yaml'), kustomization(['db.yaml', 'settings.yaml', 'orders.yaml']));
    await writeFile(path.join(repo, 'generator', 'creds.enc.yaml'), await sopsEncrypt('password: hunter2\n', ['--age', recipient]));
    await writeFile(path.join(repo, 'generator', 'kustomization.yaml'), 'secretGenerator:\n  - name: creds\n    files:\n      - creds.enc.yaml\n');
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('renders encrypted objects (a Secret, a custom resource with numbers and booleans) exactly as their plaintext would render, decrypted after the build and before substitution', async () => {
    // Prepare
    const { createSopsDecryptor, renderKustomization } = await import('#shared/render/index.ts');
    const postBuild = { substitute: { DB_HOST: 'db.internal' } };

    // Act
    const decrypted = await renderKustomization({
      root: repo,
      path: 'encrypted',
      flux: { postBuild, decryption: createSopsDecryptor({ ageIdentities: [identity] }) },
    });
    const plain = await renderKustomization({ root: repo, path: 'plain', flux: { postBuild } });

    // Assess
    assert.equal(decrypted.yaml, plain.yaml);
    assert.match(decrypted.yaml, /url: postgres:\/\/db\.internal\/app/);
    assert.match(decrypted.yaml, /name: prod-db/);
    assert.match(decrypted.yaml, /replicas: 3\n/);
    assert.doesNotMatch(decrypted.yaml, /ENC\[|sops:/);
  });

  it('renders an encrypted object with comments inside a list (sops stores them as encrypted list items) as its plaintext renders', async () => {
    // Prepare
    const { createSopsDecryptor, renderKustomization } = await import('#shared/render/index.ts');
    const { mkdir } = await import('node:fs/promises');
    const manifest =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: listed\ndata:\n  hosts:\n    # primary\n    - a.example\n    # fallback\n    - b.example\n';
    const plainManifest = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: listed\ndata:\n  hosts:\n    - a.example\n    - b.example\n';
    await mkdir(path.join(repo, 'listed-enc'), { recursive: true });
    await mkdir(path.join(repo, 'listed-plain'), { recursive: true });
    await writeFile(path.join(repo, 'listed-enc', 'cm.yaml'), await sopsEncrypt(manifest, ['--age', recipient, '--encrypted-regex', '^data$']));
    await writeFile(path.join(repo, 'listed-plain', 'cm.yaml'), plainManifest);

    // Act
    const decrypted = await renderKustomization({ root: repo, path: 'listed-enc', flux: { decryption: createSopsDecryptor({ ageIdentities: [identity] }) } });
    const plain = await renderKustomization({ root: repo, path: 'listed-plain' });

    // Assess
    assert.equal(decrypted.yaml, plain.yaml);
  });

  it('leaves an object annotated decrypt: disabled encrypted', async () => {
    // Prepare
    const { createSopsDecryptor, renderKustomization } = await import('#shared/render/index.ts');
    const annotated = await sopsEncrypt(secret('kept', '  annotations:\n    kustomize.toolkit.fluxcd.io/decrypt: Disabled\n'), [
      '--age',
      recipient,
      '--encrypted-regex',
      '^(data|stringData)$',
    ]);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.join(repo, 'disabled'), { recursive: true });
    await writeFile(path.join(repo, 'disabled', 'kept.enc.yaml'), annotated);

    // Act
    const rendered = await renderKustomization({ root: repo, path: 'disabled', flux: { decryption: createSopsDecryptor({ ageIdentities: [identity] }) } });

    // Assess
    assert.match(rendered.yaml, /password: ENC\[AES256_GCM,/);
    assert.match(rendered.yaml, /^sops:/m);
  });

  it('decrypts a secretGenerator file encrypted with sops before the build, as Flux does', async () => {
    // Prepare
    const { createSopsDecryptor, renderKustomization } = await import('#shared/render/index.ts');

    // Act
    const rendered = await renderKustomization({ root: repo, path: 'generator', flux: { decryption: createSopsDecryptor({ ageIdentities: [identity] }) } });

    // Assess
    assert.match(rendered.yaml, /name: creds-[a-z0-9]+/);
    assert.ok(rendered.yaml.includes(`creds.enc.yaml: ${Buffer.from('password: hunter2\n').toString('base64')}`), rendered.yaml);
  });

  it('tideline render --age-key-file decrypts the encrypted objects', async () => {
    // Act
    const { stdout } = await run(
      process.execPath,
      [CLI, 'render', path.join(repo, 'encrypted'), '--root', repo, '--age-key-file', keyFile, '--substitute', 'DB_HOST=db.internal'],
      { timeout: 30_000 },
    );

    // Assess
    assert.match(stdout, /password: hunter2/);
    assert.match(stdout, /url: postgres:\/\/db\.internal\/app/);
    assert.doesNotMatch(stdout, /ENC\[|^sops:/m);
  });

  it('tideline render --decrypt unwraps AWS KMS data keys with the ambient AWS configuration', async () => {
    // Prepare
    const { moto } = await getTestEnv();
    const awsEnv = {
      AWS_ENDPOINT_URL_KMS: moto.endpoint,
      AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
      AWS_REGION: moto.region,
    };
    const kms = new KMSClient({ endpoint: moto.endpoint, credentials: moto.credentials, region: moto.region });
    const arn = (await kms.send(new CreateKeyCommand({ Description: 'tideline render cli' }))).KeyMetadata?.Arn as string;
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.join(repo, 'kms'), { recursive: true });
    await writeFile(
      path.join(repo, 'kms', 'db.enc.yaml'),
      await sopsEncrypt(secret('db'), ['--kms', arn, '--encrypted-regex', '^(data|stringData)$'], 'yaml', awsEnv),
    );

    // Act
    const { stdout } = await run(process.execPath, [CLI, 'render', path.join(repo, 'kms'), '--root', repo, '--decrypt'], {
      timeout: 30_000,
      env: { ...sopsEnv(awsEnv) },
    });

    // Assess
    assert.match(stdout, /password: hunter2/);
    assert.doesNotMatch(stdout, /ENC\[|^sops:/m);
  });

  it('tideline render with a key file that does not match fails naming the recipient and no key material', async () => {
    // Prepare
    const other = await newAgeKey();
    const otherFile = path.join(dir, 'other.agekey');
    await writeFile(otherFile, `${other.identity}\n`);

    // Act
    const failure = (await run(process.execPath, [CLI, 'render', path.join(repo, 'encrypted'), '--root', repo, '--age-key-file', otherFile], {
      timeout: 30_000,
    }).then(
      () => assert.fail('render should fail'),
      (error: unknown) => error,
    )) as { code: number; stderr: string; stdout: string };

    // Assess
    assert.notEqual(failure.code, 0);
    assert.match(failure.stderr, /encrypted\/db\.enc\.yaml: Secret prod-db: no key could unwrap the sops data key/);
    assert.ok(failure.stderr.includes(recipient));
    assert.doesNotMatch(failure.stderr + failure.stdout, /AGE-SECRET-KEY|hunter2/);
  });
});
