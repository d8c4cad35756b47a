import { test } from 'node:test';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { InvalidInputError } from '#shared/errors/index.ts';
import { decryptSopsFile } from '#shared/render/sops/index.ts';
import {
  detectSopsFormat,
  emitGoIni,
  emitSopsDotenv,
  hasSopsMarker,
  parseGoIni,
  parseSopsDotenv,
  sopsFormatForPath,
  unflattenSopsMetadata,
} from '#shared/render/sops/formats.ts';
import { rejection } from '#test/support/assert.ts';

// A throwaway age identity and files `sops encrypt --age` (v3.13.3) wrote for it. The
// integration tests encrypt fresh files with the real binary; these pin the formats offline.
const IDENTITY = 'AGE-SECRET-KEY-1M65MVY7UZW8R5TK3XZCS8R3KN50SZEGGCALCNKGKPPA3D6P5T4YQKFNH5N';
const RECIPIENT = 'age14xfykc8tfedhnqa995zcajtxchg0xqta4lpu5z5005akwnkvlpesl77usu';
// Plaintext: "# a comment\nUSER=admin\nPASS=s3cr3t=x\nMULTI=a\\nb\nEMPTY=\n"
const ENCRYPTED_ENV = `#ENC[AES256_GCM,data:ecK+SJQsAWjQfQ==,iv:OHNt6xDArcqwWljsOVSPllKlpeZVynn1ftPC0Gpq/Ss=,tag:9dV6tyOINNjbQxkGz721aQ==,type:comment]
USER=ENC[AES256_GCM,data:xP9q/6M=,iv:qdtpQCdqTNuYuIhbQvUL/+D4mNIwi+mF1hkE1sWkBvY=,tag:FlPtSuv6BIBDhUISQErIxQ==,type:str]
PASS=ENC[AES256_GCM,data:Ai8jMh0BiZU=,iv:xtxBJkuDJ+ox41MNGoRwluy2LVxkOyT3l5zw5JquC88=,tag:GCmFwXg0hW4+OjImoGmAHQ==,type:str]
MULTI=ENC[AES256_GCM,data:+k42,iv:5Yu/wNyTBinRpvZ9hqdf9gY//DlcVoNcXzEvsRqk+oA=,tag:OHJcb9lWBriACWhJSDzZYg==,type:str]
EMPTY=
sops_age__list_0__map_enc=-----BEGIN AGE ENCRYPTED FILE-----\\nYWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBRamIyZ3BwUlBvYSt3M1p1\\nNm9HOGdNWHM5SnBPbytnd3h4Vmh3WlZnbFZBCnh0dFBkYjdkMm1kSEFqbkRnbFVT\\nTFp5MDE1OU9CeThjL1lkYm93OUxRMTgKLS0tIHpxZTlwWDRxcjcyK013b3A1L05U\\nUTc2SlprM1NPL0RkQlBDV1NpNG9zam8K1NysgiQJYGnESuH46Iu66F+ookAcRB7r\\nT6eT0Y17E5u5mZfFY7OL0fV1VGKy4l7+Yn16CDPyWnk/EMyszMLPfA==\\n-----END AGE ENCRYPTED FILE-----\\n
sops_age__list_0__map_recipient=age14xfykc8tfedhnqa995zcajtxchg0xqta4lpu5z5005akwnkvlpesl77usu
sops_lastmodified=2026-11-24T20:31:35Z
sops_mac=ENC[AES256_GCM,data:oTOHHyh2PGEcayd08LfUgXFWa+t0lz2up7aIqNeJzrOHNPrYVo2R1EjVNGP1sN8XHsa/Haj7k71td61t7Hj50KkxOKv3o6Xb8HKviP7npPbJEj3GQyF5g18FDr/fzezbpUuk4dgRI9mTzama812ipxKXaXuyt1AjB2TAelEAGIk=,iv:G2ZJnUhEuZrUNNSusv7BgoN80hv6k+3uv3DZuNaOaEU=,tag:Vp6no6Ex5Y1ysi2H5I+IWQ==,type:str]
sops_unencrypted_suffix=_unencrypted
sops_version=3.13.3
`;
// Plaintext: the bytes ff fe 00 72 61 77 (not UTF-8).
const ENCRYPTED_BIN = `{
	"data": "ENC[AES256_GCM,data:RMkv0tLd,iv:ASSpyxpftSbaFcyOn/GMe4Y+PFk+sJnyE3GIuOtetDg=,tag:wHarVSSVITB77ARq3Tx30A==,type:str]",
	"sops": {
		"age": [
			{
				"enc": "-----BEGIN AGE ENCRYPTED FILE-----\\nYWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBOdmRpT0d3elFLdSs3R3Fj\\ndEFBVWxlNVFIc0p4bWFCbFFHcmFvWXhMTWhFCmJmN3NnWDZGM1FSODVOSzdOZ2Rn\\nclE1WngrQkJGSHpxbVZ6aVJqSjZveWMKLS0tIGZLV1I5RDVnaWNRN0YzZEpwa25Z\\naktoN0Z0b2RDL0hSUzY3aGMwK29RajQKdPklxs6DJmKgePoKl7dwvl7zXtbzNw/M\\nPYKqazxJLgOlVFhdMwwV6ryrKFaqfWc3Avg0V/rwZKl3j1hScq0QqA==\\n-----END AGE ENCRYPTED FILE-----\\n",
				"recipient": "age14xfykc8tfedhnqa995zcajtxchg0xqta4lpu5z5005akwnkvlpesl77usu"
			}
		],
		"lastmodified": "2026-11-24T20:36:53Z",
		"mac": "ENC[AES256_GCM,data:B0afFLahGiofQQ+BC/chB8iJZ+VP1uLZsyq2Z7+tB+zZnLOz25nU1aHC33heuVfw2wAKcUKwwxCcWtU9OIkma1YrXMTGM0dzJczl07A19+9yOdTq3o1L2kSGtZt76dbfBFNuqezrat/B/BoTeJzhPWPGxBOm1YfZzvpzsHNtNj8=,iv:YapOYLI1BIbLd4IEE0nNlyISM2L7tjR4+Uq4hrbFJl4=,tag:jwpccUS3czqM8xxW9gZ22w==,type:str]",
		"version": "3.13.3"
	}
}
`;

// Plaintext: INI_PLAIN (comments, quoting, a multi-line value), as sops decrypt prints it.
const ENCRYPTED_INI = `; ENC[AES256_GCM,data:6OPpxWW+BYwByks=,iv:odg34iMNkmBkTKfEOSoZaS0MoHt3U30Y7EQ/ry+Sl2w=,tag:b4TiM4Xe3WC1m3EJpbChiQ==,type:comment]
[database]
user     = ENC[AES256_GCM,data:3pqjmKc=,iv:UQ6NpWztP4Wq6bZwcOoDQ85kZb4FhXUxuvHdzUaHbUU=,tag:b+OjqmXLvRksDuv/Wfg/uA==,type:str]
password = ENC[AES256_GCM,data:JI6xSRPk,iv:yQGs3vPybmwfaAgtjBTgGk33Cb3RlaNDFZqjHxl5xRk=,tag:4sCaCygh75/eP/epFG88LQ==,type:str]
; ENC[AES256_GCM,data:Ivw3ce1GZnXmpw==,iv:478agtGruMphM7TGlu0e0pd4fxokpVJh+LSJ0zqnUx0=,tag:dxOtaF6hGv9BSFhwNOBtHA==,type:comment]
port     = ENC[AES256_GCM,data:mmnruQ==,iv:NtKn5lpPM37iZ0iVv7sMjBigntq4f4Y7mHQCN7WlbjA=,tag:5ATxv/UFZ555q1WHqM0/Sg==,type:str]
spaced   = ENC[AES256_GCM,data:aKoPNqGRAhA0dg==,iv:hE3gFSHB+KUTof8kTZbHb9/cUwlti85t28CKezwQ0+Y=,tag:/cuaD9HeEYulXqi9dQbOcw==,type:str]
; ENC[AES256_GCM,data:GNipGP8MVZYQUg==,iv:SVsoIsj3fYcJp1j5NV/ihkOgsbmDgLGK9LssydAggSQ=,tag:EZsPT+JmARcPDcwItWPOiQ==,type:comment]
hash     = ENC[AES256_GCM,data:OA==,iv:TvfavXE2O3gj5GfTqfJjPxsNb59PENupIreM81eew7g=,tag:bzKY6skZ3+NF41y4s2lqwg==,type:str]
multi    = ENC[AES256_GCM,data:b+IqHt1Rqgdf3F0=,iv:Szy7yzOTBZL1CN0fxKpm2FYSycdEqjJREtoWlXwBT3E=,tag:Jvd6Bh6ZVj+q4+ldsNpG8g==,type:str]

; ENC[AES256_GCM,data:Vpe9aWssvaDqjy1P,iv:W3G6TzTAD50bjo50mUKXKuj8SeWzLmblPa0wHLTCPOs=,tag:sP/eFoQszCDAg0+OnBTvpQ==,type:comment]
[server]
host          = ENC[AES256_GCM,data:hb9kObdlCRZsFN0=,iv:ITR7KllAl2aajCNGaE/nLdwRy4SfsZ9g4AKDTwMlZXQ=,tag:usJtAKOgoEc/A6Qm2bj0VQ==,type:str]
long_key_name = ENC[AES256_GCM,data:Qg==,iv:LLEUa37MP0s7oKYGH3TCRYcQswa3K8fzqim3tSrYOEQ=,tag:EgOsLvvkCKFLlmRyFF5tUQ==,type:str]

[sops]
age__list_0__map_enc       = -----BEGIN AGE ENCRYPTED FILE-----\\nYWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSB0Z3lpdG9iQ0oyY1NhU3lt\\nbkZzTks5QUZTR01SMjU4SmIycHJqb2hxTndvCkpFQ2pJUm1maGtOWHMxQkljcmpJ\\nUzJTWHNrNnZWb2FqaWs5VS9zQlpEZTAKLS0tIFZEclQwRW1udEx0Mm10ZkxqOWVm\\nMGRtaDQxQmFLNmxwaFV2ODg4RXVlNlEKoCHKD2/Llbrsfkq3PxQWY5FlFfQ62V1B\\nzj4P7PF7yln5s1YEWa0qnWniCGPsORYJBqieK5s05aWLCmZNZt53HA==\\n-----END AGE ENCRYPTED FILE-----\\n
age__list_0__map_recipient = age14xfykc8tfedhnqa995zcajtxchg0xqta4lpu5z5005akwnkvlpesl77usu
lastmodified               = 2026-11-24T20:47:24Z
mac                        = ENC[AES256_GCM,data:7YAJbDuCpaiwCic4fta1zpte/eqWvW7Ckn0CNmgQQDFpxMrhzELC3iNpFlUeEwyeAueCKTcUBhjgmMtAk5/6TmtNyiXPVyR/q45w41IPTSE6zbCrXhHbSF9AcQk0eVhOgDQUaUK/Ng+WAVVfWdy9PTTBpBd6quXpLqQNxpJ8C1o=,iv:vtLTy0Ixi0Gzik7HUPyMNR73ShuJH7THp21hVMTfvMo=,tag:qHvKGvQIQgaO07KSX9awcg==,type:str]
unencrypted_suffix         = _unencrypted
version                    = 3.13.3
`;
const INI_PLAIN = `; top comment
[database]
user     = admin
password = s3cr3t
; about port
port     = 5432
spaced   = "  padded  "
; b ; inline
hash     = a
multi    = """line1
line2"""

; hash comment
[server]
host          = example.com
long_key_name = v
`;

const keys = { ageIdentities: [IDENTITY] };
const source = { where: 'app.enc.env', file: 'app.enc.env' };

test('the format of a file follows its extension; unknown extensions are binary and .dockerconfigjson is JSON', () => {
  // Act
  const formats = ['a.yaml', 'a.yml', 'a.json', 'a.env', 'a.ini', 'a.txt', 'noext', '.dockerconfigjson', 'x.enc.yaml'].map(sopsFormatForPath);

  // Assess
  assert.deepEqual(formats, ['yaml', 'yaml', 'json', 'dotenv', 'ini', 'binary', 'binary', 'json', 'yaml']);
});

test('an encrypted file is recognised by the marker of its format, and plain text by none', () => {
  // Prepare
  const texts = [ENCRYPTED_ENV, ENCRYPTED_BIN, 'a: 1\nsops:\n    mac: ENC[AES256_GCM,x]\n', '[sops]\nmac = x\n', 'USER=admin\n'];
  // Act
  const detected = texts.map((text) => detectSopsFormat(Buffer.from(text)));
  const envAsYaml = hasSopsMarker(Buffer.from(ENCRYPTED_ENV), 'yaml');
  // Assess
  assert.deepEqual(detected, ['dotenv', 'json', 'yaml', 'ini', undefined]);
  assert.equal(envAsYaml, false);
});

test('dotenv lines parse as sops reads them: comments, first = splits, \\n escapes, empty lines dropped', () => {
  // Act
  const items = parseSopsDotenv('# note\n\nA=b=c\nM=x\\ny\nE=\n', 'x.env');

  // Assess
  assert.deepEqual(items, [{ comment: ' note' }, { key: 'A', value: 'b=c' }, { key: 'M', value: 'x\ny' }, { key: 'E', value: '' }]);
});

test('dotenv items are written back as sops writes them, newlines escaped', () => {
  // Act
  const text = emitSopsDotenv([{ comment: ' note' }, { key: 'M', value: 'x\ny' }, { key: 'E', value: '' }]);

  // Assess
  assert.equal(text, '# note\nM=x\\ny\nE=\n');
});

test('a dotenv line without = is refused by line number, without echoing the line', async () => {
  // Act
  const error = await rejection(Promise.resolve().then(() => parseSopsDotenv('A=1\nhunter2\n', 'x.env')));

  // Assess
  assert.ok(error instanceof InvalidInputError);
  assert.match(error.message, /x\.env:2: dotenv line is not KEY=VALUE/);
  assert.doesNotMatch(error.message, /hunter2/);
});

test('flattened sops metadata keys unflatten into nested maps and lists', () => {
  // Act
  const meta = unflattenSopsMetadata(
    [
      { key: 'sops_age__list_0__map_recipient', value: 'r0' },
      { key: 'sops_age__list_0__map_enc', value: 'e0' },
      { key: 'sops_age__list_1__map_recipient', value: 'r1' },
      { key: 'sops_kms__list_0__map_context__map_app', value: 'shop' },
      { key: 'sops_mac', value: 'm' },
    ],
    'x.env',
  );

  // Assess
  assert.deepEqual(meta, { age: [{ enc: 'e0', recipient: 'r0' }, { recipient: 'r1' }], kms: [{ context: { app: 'shop' } }], mac: 'm' });
});

test('flattened sops metadata with a gap in a list is refused', async () => {
  // Act
  const error = await rejection(Promise.resolve().then(() => unflattenSopsMetadata([{ key: 'sops_age__list_1__map_enc', value: 'e' }], 'x.env')));

  // Assess
  assert.ok(error instanceof InvalidInputError);
  assert.match(error.message, /incomplete list/);
});

test('an encrypted dotenv file decrypts to exactly what sops decrypt prints, comments included', async () => {
  // Act
  const plain = await decryptSopsFile(Buffer.from(ENCRYPTED_ENV), 'dotenv', 'dotenv', keys, source);

  // Assess
  assert.equal(plain.toString('utf8'), '# a comment\nUSER=admin\nPASS=s3cr3t=x\nMULTI=a\\nb\nEMPTY=\n');
});

test('an encrypted dotenv file can be written as JSON, as Flux does for a data key named *.json', async () => {
  // Act
  const plain = await decryptSopsFile(Buffer.from(ENCRYPTED_ENV), 'dotenv', 'json', keys, source);

  // Assess
  assert.equal(plain.toString('utf8'), '{\n\t"USER": "admin",\n\t"PASS": "s3cr3t=x",\n\t"MULTI": "a\\nb",\n\t"EMPTY": ""\n}\n');
});

test('a binary file decrypts to its exact bytes, also when they are not UTF-8', async () => {
  // Act
  const plain = await decryptSopsFile(Buffer.from(ENCRYPTED_BIN), 'binary', 'binary', keys, { where: 'raw.bin', file: 'raw.bin' });

  // Assess
  assert.deepEqual(plain, Buffer.from([0xff, 0xfe, 0x00, 0x72, 0x61, 0x77]));
});

test('a dotenv file whose value was changed fails authentication, naming the file and key but no value', async () => {
  // Prepare
  const tampered = ENCRYPTED_ENV.replace(/^USER=ENC\[AES256_GCM,data:[^,]*/m, 'USER=ENC[AES256_GCM,data:AAAAAAA=');

  // Act
  const error = await rejection(decryptSopsFile(Buffer.from(tampered), 'dotenv', 'dotenv', keys, source));

  // Assess
  assert.ok(error instanceof InvalidInputError);
  assert.match(error.message, /app\.enc\.env: value at USER failed authentication/);
  assert.doesNotMatch(error.message, /admin|s3cr3t/);
});

test('a dotenv file with a value added after encryption fails the MAC check', async () => {
  // Prepare
  const extended = ENCRYPTED_ENV.replace('EMPTY=\n', 'EMPTY=\nEXTRA_unencrypted=injected\n');

  // Act
  const error = await rejection(decryptSopsFile(Buffer.from(extended), 'dotenv', 'dotenv', keys, source));

  // Assess
  assert.ok(error instanceof InvalidInputError);
  assert.match(error.message, /the sops MAC does not match/);
});

test('a dotenv file without sops metadata is refused as not encrypted', async () => {
  // Act
  const error = await rejection(decryptSopsFile(Buffer.from('USER=admin\n'), 'dotenv', 'dotenv', keys, source));

  // Assess
  assert.ok(error instanceof InvalidInputError);
  assert.match(error.message, /not encrypted with sops/);
});

test('a key that is not a recipient fails naming the recipient and offering no key material', async () => {
  // Act
  const error = await rejection(decryptSopsFile(Buffer.from(ENCRYPTED_ENV), 'dotenv', 'dotenv', { ageIdentities: [] }, source));

  // Assess
  assert.ok(error instanceof InvalidInputError);
  assert.ok(error.message.includes(RECIPIENT));
  assert.doesNotMatch(error.message, /AGE-SECRET-KEY/);
});

test('an encrypted INI file decrypts to exactly what sops decrypt prints: sections, aligned keys, quoting, comments', async () => {
  // Act
  const plain = await decryptSopsFile(Buffer.from(ENCRYPTED_INI), 'ini', 'ini', keys, { where: 'app.ini', file: 'app.ini' });

  // Assess
  assert.equal(plain.toString('utf8'), INI_PLAIN);
});

test('INI text parses as go-ini reads it: DEFAULT keys, = and : delimiters, inline comments, quotes, continuations, repeated sections', () => {
  // Act
  const sections = parseGoIni("top = 1\n; about a\n[s]\na: x ; note\nb = 'q'\nc = one\\\n  two\nd = `#raw`\n[s]\ne = 2\n", 'x.ini');

  // Assess
  assert.deepEqual(
    sections.map((section) => [section.name, section.comment, section.keys.map((key) => [key.name, key.value, key.comment])]),
    [
      ['DEFAULT', '', [['top', '1', '']]],
      [
        's',
        '; about a',
        [
          ['a', 'x', '; note'],
          ['b', 'q', ''],
          ['c', 'onetwo', ''],
          ['d', '#raw', ''],
        ],
      ],
      ['s', '', [['e', '2', '']]],
    ],
  );
});

test('INI sections are written as go-ini writes them: aligned =, quoted values where needed, blank lines between sections', () => {
  // Act
  const text = emitGoIni([
    { name: 'DEFAULT', comment: '', keys: [] },
    {
      name: 'a',
      comment: 'first',
      keys: [
        { name: 'k', value: ' pad', comment: '', autoIncrement: false },
        { name: 'longer', value: 'x;y', comment: 'why', autoIncrement: false },
      ],
    },
    { name: 'b', comment: '', keys: [{ name: 'm', value: 'l1\nl2', comment: '', autoIncrement: false }] },
  ]);

  // Assess
  assert.equal(text, '; first\n[a]\nk      = " pad"\n; why\nlonger = `x;y`\n\n[b]\nm = """l1\nl2"""\n');
});

test('an INI line without a delimiter is refused by line number, without echoing the line', async () => {
  // Act
  const error = await rejection(Promise.resolve().then(() => parseGoIni('[s]\nhunter2\n', 'x.ini')));

  // Assess
  assert.ok(error instanceof InvalidInputError);
  assert.match(error.message, /x\.ini:2: INI line has no = or : delimiter/);
  assert.doesNotMatch(error.message, /hunter2/);
});

test('arbitrary text as any encrypted format ends in an InvalidInputError, never another exception', async () => {
  // Prepare
  const formats = ['yaml', 'json', 'dotenv', 'ini', 'binary'] as const;
  const pieces = fc.constantFrom(
    '[sops]\n',
    'sops_mac=ENC[x]\n',
    'mac: ENC[x]\n',
    '"mac": "ENC[x]"',
    'a = """x\n',
    '`',
    '\\\n',
    ';c\n',
    '#c\n',
    'k=v\n',
    ': x\n',
    '{',
    '[',
    'sops:\n  age: []\n',
  );
  const texts = fc.array(fc.oneof(pieces, fc.string()), { maxLength: 12 }).map((parts) => parts.join(''));

  // Act / Assess
  await fc.assert(
    fc.asyncProperty(texts, fc.constantFrom(...formats), fc.constantFrom(...formats), async (text, input, output) => {
      // No such text holds a data key the test's identity unwraps, so none may decrypt.
      const error = await rejection(decryptSopsFile(Buffer.from(text), input, output, keys, { where: 'fuzz', file: 'fuzz' }));
      assert.ok(error instanceof InvalidInputError, `${input} → ${output}: ${String(error)}`);
    }),
    { numRuns: 300 },
  );
});
