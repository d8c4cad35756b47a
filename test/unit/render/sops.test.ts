import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decrypter, armor, generateIdentity } from 'age-encryption';
import fc from 'fast-check';
import { parse, parseDocument, isMap } from 'yaml';
import { parseKustomization } from '#shared/config/kustomization.ts';
import { AwsKmsDecrypter } from '#shared/adapters/aws/kms-decrypt.ts';
import { InvalidInputError, TransientError, UnauthorizedError } from '#shared/errors/index.ts';
import { buildOptionsFromKustomization } from '#shared/render/index.ts';
import {
  ageIdentitiesFromSecret,
  createSopsDecryptor,
  decryptSopsNode,
  decryptSopsText,
  isSopsEncrypted,
  parseAgeIdentities,
} from '#shared/render/sops/index.ts';
import type { KmsDecrypter } from '#shared/ports/index.ts';
import { rejection } from '#test/support/assert.ts';

// A throwaway age identity and a document `sops encrypt --age` (v3.13.3) wrote for it. The
// integration tests encrypt fresh documents with the real binary; these pin the format offline.
const IDENTITY = 'AGE-SECRET-KEY-13UM09V6ED00MZXAC40TZKTQAKNDC6DNXGYKWPK7Y5GA2Y7TKUESQX73G20';
const RECIPIENT = 'age17crm0j73mg4dwjpd8287xqk2x3t7ww69my4lyvry7swrqmrrnvtsp84e0e';
const ENCRYPTED = `apiVersion: ENC[AES256_GCM,data:vnM=,iv:9f2XcGDpjyar8d4X4VR9uXYWZIV4w5BpdM3RPTmA5Wo=,tag:9hocjvoPSRVMbi1GbNLP/A==,type:str]
kind: ENC[AES256_GCM,data:nUdkBeOq,iv:pZ9cpD7CKZjrKxXV+J4lCiyj6Xtxm8zk5ciukdRVync=,tag:6TqqXicC9KzplqZ7Q3XlaQ==,type:str]
metadata:
    name: ENC[AES256_GCM,data:xBw=,iv:6IW2P4ErGoWq+4oqNftBes1acvmzJkQSjpsMUNxcTiM=,tag:d246QReF7CGBihwYMDMwRw==,type:str]
stringData:
    password: ENC[AES256_GCM,data:Ozr9VcV/Tw==,iv:K5ZN9DbmfRCwlm+t3sXm74DZCymToKMN6ltdyACLDcw=,tag:dmvs2Q1IlRXdlDdVb4w+YQ==,type:str]
    port: ENC[AES256_GCM,data:0f/51g==,iv:GdENMhO9FlQ+wausj8xZk+bCs/FEUzDeBertu1gnbMo=,tag:eaCP0jsGeYgs/CcIAvQ62g==,type:int]
    ratio: ENC[AES256_GCM,data:gsaW7g==,iv:tUAKnwofR7x9VzX///mb2xF6QRsBLaH2rAfFXjacX9c=,tag:vCD+7eUgarUyrnBuRrUgkA==,type:float]
    enabled: ENC[AES256_GCM,data:tYumMQ==,iv:P8YlO/xFtczEQj8t/2MYcarBhBViFakNnK67FcXupSg=,tag:RJLeu6vVeqGcsc3GBGhy4A==,type:bool]
    hosts:
        - ENC[AES256_GCM,data:1/jtbJO8WKUv,iv:P3yhEENbt+hsGmZB9kJLS6vGKcftTB+ciNvnW65ZNsw=,tag:HJK4dkackR31hGL6f+IyHw==,type:str]
        - ENC[AES256_GCM,data:sA1PSIX5r0ou,iv:i/HAtOfWZqkZbadic6g8tRieZJFkLftLyAkJaA3qpWQ=,tag:JaHNg7Wgjix1OWTcNy137Q==,type:str]
    note_unencrypted: visible
sops:
    age:
        - enc: |
            -----BEGIN AGE ENCRYPTED FILE-----
            YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBYMHplVW1oVG45S0VxbW5H
            eVN3UmdDcDd6MHdxZyszckw0eGxMd1JhOFVRCnBldmdZQ2IxMDBEeWRxK3k5TVk0
            SDZzUTBTU1U1eDJsMFdhOUQxV1ZRR2cKLS0tIGFvcUpiWTh3WE1YbjZBRE9PY2Zj
            WUhBdzhIQ1hBRDIyKzdPU0FWdUhUeU0K/Tusj8BiuccaMmYFPLHETzLsmxx2V80E
            9BkIRJw2vmux2kuLLv1J94fcx/SuGmv/1u7zqizIXGiLZ0J/zaDWjw==
            -----END AGE ENCRYPTED FILE-----
          recipient: ${RECIPIENT}
    lastmodified: "2026-11-24T17:41:55Z"
    mac: ENC[AES256_GCM,data:AWvvbyfWpTB8aLMAXDuWE/IW9Mo6XqaokvHlcp9vyt1dVPxXGswiDIPgsZMl4oQIkPCKGGtq03KYW6vCniFWes83N6nZY3GTLYSf2Z/bYARR76AaG3q9D0f1mBf7ABX/ebsT6Jbe98oSDZN7TeqRawfyGAj+79kio70DNBumsVc=,iv:incFBUfsq3YqHwTlYXzEFszeourQ++lUuwE6wxd8HCM=,tag:/Z7hVm7lLxDs/w5yezvvQA==,type:str]
    unencrypted_suffix: _unencrypted
    version: 3.13.3
`;
const PLAINTEXT = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'db' },
  stringData: { password: 'hunter2', port: 5432, ratio: 0.25, enabled: true, hosts: ['a.example', 'b.example'], note_unencrypted: 'visible' },
};
const AGE_ENC_START = ENCRYPTED.indexOf('-----BEGIN AGE');
const AGE_ENC = ENCRYPTED.slice(AGE_ENC_START, ENCRYPTED.indexOf('-----END AGE ENCRYPTED FILE-----') + 32).replaceAll(/\n +/g, '\n');

/** The document with its age stanza replaced by a KMS entry, for the injected-KMS tests. */
function asKmsDocument(): string {
  const doc = parseDocument(ENCRYPTED);
  doc.deleteIn(['sops', 'age']);
  doc.setIn(
    ['sops', 'kms'],
    doc.createNode([
      {
        arn: 'arn:aws:kms:eu-west-1:123456789012:key/abc',
        enc: Buffer.from('wrapped').toString('base64'),
        context: { app: 'shop' },
        created_at: '2026-11-24T17:41:55Z',
        aws_profile: '',
      },
    ]),
  );
  return doc.toString();
}

async function dataKey(): Promise<Uint8Array> {
  const decrypter = new Decrypter();
  decrypter.addIdentity(IDENTITY);
  return decrypter.decrypt(armor.decode(AGE_ENC), 'uint8array');
}

test('a document written by sops decrypts to its plaintext with typed numbers, booleans and lists', async () => {
  // Act
  const plain = await decryptSopsText(ENCRYPTED, { ageIdentities: [IDENTITY] }, 'secret.enc.yaml');

  // Assess
  assert.deepEqual(plain, PLAINTEXT);
});

test('a changed encrypted value fails authentication and the error shows neither value nor key', async () => {
  // Prepare: swap the ciphertexts of two values, which keeps each one well-formed
  const lines = ENCRYPTED.split('\n');
  const password = lines.findIndex((line) => line.includes('password:'));
  const port = lines.findIndex((line) => line.includes('port:'));
  const swapped = [...lines];
  swapped[password] = `    password: ${(lines[port] as string).split(': ')[1]}`;

  // Act
  const error = await rejection(decryptSopsText(swapped.join('\n'), { ageIdentities: [IDENTITY] }, 'secret.enc.yaml'));

  // Assess
  assert.ok(error instanceof InvalidInputError);
  assert.match(error.message, /^secret\.enc\.yaml: .*stringData\.password failed authentication/);
  assert.doesNotMatch(error.message, /hunter2|5432|AGE-SECRET-KEY/);
});

test('an unencrypted value changed after encryption fails the MAC check', async () => {
  // Prepare
  const edited = ENCRYPTED.replace('note_unencrypted: visible', 'note_unencrypted: edited');

  // Act
  const error = await rejection(decryptSopsText(edited, { ageIdentities: [IDENTITY] }, 'secret.enc.yaml'));

  // Assess
  assert.ok(error instanceof InvalidInputError);
  assert.match(error.message, /MAC does not match/);
});

test('with MAC checking off, as Flux renders, an edited unencrypted value is accepted', async () => {
  // Prepare
  const edited = ENCRYPTED.replace('note_unencrypted: visible', 'note_unencrypted: edited');

  // Act
  const plain = (await createSopsDecryptor({ ageIdentities: [IDENTITY] }).decryptText(edited, 'secret.enc.yaml', { verifyMac: false })) as typeof PLAINTEXT;

  // Assess
  assert.equal(plain.stringData.note_unencrypted, 'edited');
  assert.equal(plain.stringData.password, 'hunter2');
});

test('a wrong identity is refused, naming the recipients tried and no key material', async () => {
  // Prepare
  const other = await generateIdentity();

  // Act
  const error = await rejection(decryptSopsText(ENCRYPTED, { ageIdentities: [other] }, 'secret.enc.yaml'));

  // Assess
  assert.ok(error instanceof InvalidInputError);
  assert.match(error.message, new RegExp(`no key could unwrap the sops data key: tried age recipients ${RECIPIENT} \\(1 identities offered\\)`));
  assert.doesNotMatch(error.message, /AGE-SECRET-KEY/);
});

test('a data key wrapped by AWS KMS is unwrapped through the KMS port with the ARN and encryption context', async () => {
  // Prepare
  const key = await dataKey();
  const calls: { arn: string; ciphertext: string; context: Record<string, string> }[] = [];
  const kms: KmsDecrypter = {
    decrypt: async (arn, ciphertext, context) => {
      calls.push({ arn, ciphertext: Buffer.from(ciphertext).toString(), context: { ...context } });
      return key;
    },
  };

  // Act: the MAC is unchanged, the metadata is not covered by it
  const plain = await decryptSopsText(asKmsDocument(), { kms }, 'kms.enc.yaml');

  // Assess
  assert.deepEqual(plain, PLAINTEXT);
  assert.deepEqual(calls, [{ arn: 'arn:aws:kms:eu-west-1:123456789012:key/abc', ciphertext: 'wrapped', context: { app: 'shop' } }]);
});

test('a KMS outage stays a TransientError so the caller retries', async () => {
  // Prepare
  const kms: KmsDecrypter = {
    decrypt: async () => {
      throw new TransientError('KMS Decrypt throttled');
    },
  };

  // Act
  const error = await rejection(decryptSopsText(asKmsDocument(), { kms }, 'kms.enc.yaml'));

  // Assess
  assert.ok(error instanceof TransientError);
});

test('a KMS-only document without KMS access names the key ARN', async () => {
  // Act
  const error = await rejection(decryptSopsText(asKmsDocument(), { ageIdentities: [IDENTITY] }, 'kms.enc.yaml'));

  // Assess
  assert.match(error.message, /AWS KMS keys arn:aws:kms:eu-west-1:123456789012:key\/abc \(no KMS access configured\)/);
});

test('a decryptor unwraps the data key of a document once, however often it decrypts it', async () => {
  // Prepare
  const key = await dataKey();
  let calls = 0;
  const decryptor = createSopsDecryptor({
    kms: {
      decrypt: async () => {
        calls++;
        return key;
      },
    },
  });
  const text = asKmsDocument();

  // Act
  await decryptor.decryptText(text, 'a.yaml');
  await decryptor.decryptText(text, 'b.yaml');

  // Assess
  assert.equal(calls, 1);
});

for (const [field, label] of [
  ['pgp', 'PGP'],
  ['gcp_kms', 'GCP KMS'],
  ['azure_kv', 'Azure Key Vault'],
  ['hc_vault', 'HashiCorp Vault transit'],
] as const) {
  test(`a data key wrapped only for ${label} is refused as unsupported`, async () => {
    // Prepare
    const doc = parseDocument(ENCRYPTED);
    doc.deleteIn(['sops', 'age']);
    doc.setIn(['sops', field], doc.createNode([{ enc: 'x' }]));

    // Act
    const error = await rejection(decryptSopsText(doc.toString(), { ageIdentities: [IDENTITY] }, 'other.enc.yaml'));

    // Assess
    assert.ok(error instanceof InvalidInputError);
    assert.match(error.message, new RegExp(`only wrapped for ${label}, which Tideline does not support`));
  });
}

test('key groups combined with a shamir threshold are refused', async () => {
  // Prepare
  const doc = parseDocument(ENCRYPTED);
  const age = doc.getIn(['sops', 'age']);
  doc.deleteIn(['sops', 'age']);
  doc.setIn(['sops', 'key_groups'], doc.createNode([{ age }, { age }]));
  doc.setIn(['sops', 'shamir_threshold'], 2);

  // Act
  const error = await rejection(decryptSopsText(doc.toString(), { ageIdentities: [IDENTITY] }, 'shamir.enc.yaml'));

  // Assess
  assert.match(error.message, /split over 2 key groups \(shamir threshold 2\)/);
});

test('a single key group is read like top-level keys', async () => {
  // Prepare
  const doc = parseDocument(ENCRYPTED);
  const age = doc.getIn(['sops', 'age']);
  doc.deleteIn(['sops', 'age']);
  doc.setIn(['sops', 'key_groups'], doc.createNode([{ age }]));

  // Act
  const plain = await decryptSopsText(doc.toString(), { ageIdentities: [IDENTITY] }, 'group.enc.yaml');

  // Assess
  assert.deepEqual(plain, PLAINTEXT);
});

test('comment-based encryption rules are refused', async () => {
  // Prepare
  const text = ENCRYPTED.replace('    unencrypted_suffix: _unencrypted\n', '    encrypted_comment_regex: sops:enc\n');

  // Act
  const error = await rejection(decryptSopsText(text, { ageIdentities: [IDENTITY] }, 'comments.enc.yaml'));

  // Assess
  assert.match(error.message, /encrypted_comment_regex is not supported/);
});

test('a document without a sops block is refused as not encrypted', async () => {
  // Act
  const error = await rejection(decryptSopsText('a: 1\n', { ageIdentities: [IDENTITY] }, 'plain.yaml'));

  // Assess
  assert.match(error.message, /^plain\.yaml: .*no sops metadata block/);
});

test('isSopsEncrypted recognises a sops block with a MAC in YAML nodes and plain objects', () => {
  // Prepare
  const node = parseDocument(ENCRYPTED).contents;
  const withoutMac = { a: 1, sops: { mac: '' } };

  // Act
  const recognised = [node, parse(ENCRYPTED), withoutMac, parseDocument('kind: Secret\n').contents].map((value) => isSopsEncrypted(value));

  // Assess
  assert.ok(isMap(node));
  assert.deepEqual(recognised, [true, true, false, false]);
});

test('an age key file yields its identities and skips comments', () => {
  // Prepare
  const text = `# created: 2026-11-24T17:41:55Z\n# public key: ${RECIPIENT}\n${IDENTITY}\n\n`;

  // Act
  const identities = parseAgeIdentities(text, 'keys.agekey');

  // Assess
  assert.deepEqual(identities, [IDENTITY]);
});

test('a line of an age key file that is no identity is refused by line number without echoing it', () => {
  // Prepare
  const text = `${IDENTITY}\nsomething-secret-looking\n`;

  // Act
  const act = () => parseAgeIdentities(text, 'keys.agekey');

  // Assess
  assert.throws(act, (error: unknown) => {
    assert.ok(error instanceof InvalidInputError);
    assert.match(error.message, /^keys\.agekey:2: not an age identity/);
    assert.doesNotMatch(error.message, /something-secret-looking/);
    return true;
  });
});

function fluxKustomization(decryption: unknown): unknown {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: 'apps' },
    spec: { interval: '10m', prune: true, sourceRef: { kind: 'GitRepository', name: 'fleet' }, decryption },
  };
}

test('a Flux Kustomization with sops decryption and a key secret parses', () => {
  // Act
  const parsed = parseKustomization(fluxKustomization({ provider: 'sops', secretRef: { name: 'sops-age' } }), 'clusters/dev/apps.yaml');

  // Assess
  assert.deepEqual(parsed.spec.decryption, { provider: 'sops', secretRef: { name: 'sops-age' } });
});

test('a decryption provider other than sops is refused naming the field', () => {
  // Act
  const act = () => parseKustomization(fluxKustomization({ provider: 'vault' }), 'clusters/dev/apps.yaml');

  // Assess
  assert.throws(act, (error: unknown) => error instanceof InvalidInputError && /spec\.decryption\.provider/.test(error.message));
});

test("build options carry the caller's decryptor for a spec with decryption", () => {
  // Prepare
  const spec = parseKustomization(fluxKustomization({ provider: 'sops' })).spec;
  const decryptor = createSopsDecryptor({ ageIdentities: [IDENTITY] });

  // Act
  const options = buildOptionsFromKustomization(spec, {}, decryptor);

  // Assess
  assert.equal(options.decryption, decryptor);
});

test('build options for a spec with decryption but no decryptor are refused, so nothing is applied encrypted', () => {
  // Prepare
  const spec = parseKustomization(fluxKustomization({ provider: 'sops', secretRef: { name: 'sops-age' } })).spec;

  // Act
  const act = () => buildOptionsFromKustomization(spec);

  // Assess
  assert.throws(
    act,
    (error: unknown) =>
      error instanceof InvalidInputError && /spec\.decryption is set but no decryption keys were provided \(secretRef sops-age\)/.test(error.message),
  );
});

test('an offered identity that is no age secret key is refused without echoing it', async () => {
  // Act
  const error = await rejection(decryptSopsText(ENCRYPTED, { ageIdentities: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH'] }, 'secret.enc.yaml'));

  // Assess
  assert.ok(error instanceof InvalidInputError);
  assert.match(error.message, /age identity #1 is not an age secret key/);
  assert.doesNotMatch(error.message, /ssh-ed25519|AAAAC3/);
});

test('a node that fails to decrypt is left exactly as it was, with no plaintext in it', async () => {
  // Prepare: the MAC check fails after every value was decrypted
  const root = parseDocument(ENCRYPTED.replace('note_unencrypted: visible', 'note_unencrypted: edited')).contents;
  assert.ok(isMap(root));
  const before = root.toString();

  // Act
  const error = await rejection(decryptSopsNode(root, { ageIdentities: [IDENTITY] }, { where: 'Secret db', file: 'db.yaml' }));

  // Assess
  assert.match(error.message, /^db\.yaml: Secret db: the sops MAC does not match/);
  assert.equal(root.toString(), before);
  assert.doesNotMatch(root.toString(), /hunter2/);
});

test('a Flux decryption Secret yields the identities of its .agekey entries and ignores other providers', () => {
  // Prepare
  const entries = { 'identity.agekey': `# key\n${IDENTITY}\n`, 'pgp.asc': '-----BEGIN PGP PRIVATE KEY BLOCK-----', 'sops.vault-token': 'token' };

  // Act
  const identities = ageIdentitiesFromSecret(entries, 'sops-age');

  // Assess
  assert.deepEqual(identities, [IDENTITY]);
});

test('static AWS credentials in a Flux decryption Secret are refused without echoing them', () => {
  // Act
  const act = () => ageIdentitiesFromSecret({ 'sops.aws-kms': 'aws_access_key_id: AKIAEXAMPLE' }, 'sops-keys');

  // Assess
  assert.throws(act, (error: unknown) => {
    assert.ok(error instanceof InvalidInputError);
    assert.match(error.message, /decryption Secret sops-keys: entry sops\.aws-kms .* is not supported/);
    assert.doesNotMatch(error.message, /AKIAEXAMPLE/);
    return true;
  });
});

test('a broken .agekey entry is refused naming the Secret and entry', () => {
  // Act
  const act = () => ageIdentitiesFromSecret({ 'team.agekey': 'not a key' }, 'sops-age');

  // Assess
  assert.throws(
    act,
    (error: unknown) => error instanceof InvalidInputError && /^Secret sops-age entry team\.agekey:1: not an age identity/.test(error.message),
  );
});

test('a damaged document decrypts to its exact plaintext or fails with an InvalidInputError, never to another value', async () => {
  // Prepare: single-character damage anywhere in a real document (metadata, ciphertexts, structure)
  const damage = fc.tuple(fc.nat({ max: ENCRYPTED.length - 1 }), fc.constantFrom('A', '=', ',', ']', ':', ' ', '\n', '-', '#', '"', '{', '['));

  // Act / Assess: damage the MAC does not cover (sops metadata, spacing) may still decrypt, but only
  // to the plaintext that was encrypted; every other outcome is a refusal that shows no secret
  await fc.assert(
    fc.asyncProperty(damage, async ([at, char]) => {
      const text = ENCRYPTED.slice(0, at) + char + ENCRYPTED.slice(at + 1);
      let plain: unknown;
      try {
        plain = await decryptSopsText(text, { ageIdentities: [IDENTITY] }, 'damaged.enc.yaml');
      } catch (error) {
        assert.ok(error instanceof InvalidInputError, `unexpected ${String(error)}`);
        assert.doesNotMatch(error.message, /hunter2|AGE-SECRET-KEY/);
        return;
      }
      assert.deepEqual(plain, PLAINTEXT, `damage ${JSON.stringify(char)} at ${at} decrypted to another value`);
    }),
    { numRuns: 300, seed: 20261124 },
  );
});

test('the KMS adapter calls the region of the key ARN and sends the encryption context', async () => {
  // Prepare
  const regions: string[] = [];
  const inputs: unknown[] = [];
  const kms = new AwsKmsDecrypter({
    clientFor: (region) => {
      regions.push(region);
      return { send: async (command: { input: unknown }) => (inputs.push(command.input), { Plaintext: new Uint8Array([1, 2]) }) } as never;
    },
  });

  // Act
  const plaintext = await kms.decrypt('arn:aws:kms:ap-south-1:123456789012:key/k1', new Uint8Array([9]), { app: 'shop' });
  await kms.decrypt('arn:aws:kms:ap-south-1:123456789012:key/k2', new Uint8Array([8]), {});

  // Assess
  assert.deepEqual([...plaintext], [1, 2]);
  assert.deepEqual(regions, ['ap-south-1']);
  assert.deepEqual(inputs, [
    { KeyId: 'arn:aws:kms:ap-south-1:123456789012:key/k1', CiphertextBlob: new Uint8Array([9]), EncryptionContext: { app: 'shop' } },
    { KeyId: 'arn:aws:kms:ap-south-1:123456789012:key/k2', CiphertextBlob: new Uint8Array([8]) },
  ]);
});

test('the KMS adapter turns throttling into a TransientError and access denied into an UnauthorizedError', async () => {
  // Prepare
  const failing = (name: string, httpStatusCode: number): KmsDecrypter =>
    new AwsKmsDecrypter({
      clientFor: () => ({ send: async () => Promise.reject(Object.assign(new Error(name), { name, $metadata: { httpStatusCode } })) }) as never,
    });

  // Act
  const throttled = await rejection(failing('ThrottlingException', 400).decrypt('arn:aws:kms:eu-west-1:123456789012:key/k', new Uint8Array([1]), {}));
  const denied = await rejection(failing('AccessDeniedException', 400).decrypt('arn:aws:kms:eu-west-1:123456789012:key/k', new Uint8Array([1]), {}));
  const invalid = await rejection(failing('InvalidCiphertextException', 400).decrypt('arn:aws:kms:eu-west-1:123456789012:key/k', new Uint8Array([1]), {}));

  // Assess
  assert.ok(throttled instanceof TransientError);
  assert.ok(denied instanceof UnauthorizedError);
  assert.ok(invalid instanceof InvalidInputError);
  assert.match(invalid.message, /KMS Decrypt with arn:aws:kms:eu-west-1:123456789012:key\/k failed: InvalidCiphertextException/);
});
