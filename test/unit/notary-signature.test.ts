/**
 * The Notary Project signatures the local signer makes (shared/signing/envelope.ts, keys-signer.ts), checked by an
 * independent verifier (test/helpers/notary-verifier.ts: jose and node:crypto X.509) against keys the README's openssl
 * recipe makes (test/helpers/signing-keys.ts).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notaryPayload, signatureManifest, THUMBPRINT_ANNOTATION } from '../../shared/signing/envelope.ts';
import { keysDirSigner } from '../../shared/signing/keys-signer.ts';
import { SigningFailure } from '../../shared/signing/signer.ts';
import { verifyNotarySignature } from '../helpers/notary-verifier.ts';
import { makeProfileKeys, makeTestCa } from '../helpers/signing-keys.ts';

const profile = (name: string) => `arn:aws:signer:us-east-1:123456789012:/signing-profiles/${name}`;
const image = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 1234 };
const AT = new Date('2026-12-01T10:00:00.250Z');

let dir: string;
let keysDir: string;
let caPem: string;
let otherCaPem: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'secr-notary-'));
  keysDir = join(dir, 'keys');
  caPem = makeTestCa(join(dir, 'ca'));
  otherCaPem = makeTestCa(join(dir, 'other-ca'), 'P-256', 'Other CA');
  makeProfileKeys(keysDir, 'team_p256', join(dir, 'ca'), 'P-256');
  makeProfileKeys(keysDir, 'team_p384', join(dir, 'ca'), 'P-384');
  makeProfileKeys(keysDir, 'team_rsa', join(dir, 'ca'), 'RSA-3072');
  makeProfileKeys(keysDir, 'foreign', join(dir, 'other-ca'), 'P-256');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sign = (name: string) => keysDirSigner(keysDir, () => AT).sign(profile(name), notaryPayload(image));
const failureOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (e) {
    if (e instanceof SigningFailure) return e.code;
    throw e;
  }
  return 'signed';
};

describe('a Notary Project signature made with the local keys', () => {
  it.each([
    ['team_p256', 'ES256'],
    ['team_p384', 'ES384'],
    ['team_rsa', 'PS384'],
  ])('is valid for the signed image with the trust anchor (%s signs %s)', async (name, alg) => {
    // Act
    const { envelope } = await sign(name);
    const verdict = await verifyNotarySignature(envelope, image, caPem);
    // Assess
    expect(verdict).toMatchObject({ valid: true });
    expect(verdict.valid && verdict.header).toEqual({
      alg,
      cty: 'application/vnd.cncf.notary.payload.v1+json',
      'io.cncf.notary.signingScheme': 'notary.x509',
      'io.cncf.notary.signingTime': '2026-12-01T10:00:00Z',
      crit: ['io.cncf.notary.signingScheme'],
    });
  });

  it('is invalid for any other digest, size or media type', async () => {
    const { envelope } = await sign('team_p256');

    expect((await verifyNotarySignature(envelope, { ...image, digest: `sha256:${'b'.repeat(64)}` }, caPem)).valid).toBe(false);
    expect((await verifyNotarySignature(envelope, { ...image, size: image.size + 1 }, caPem)).valid).toBe(false);
    expect((await verifyNotarySignature(envelope, { ...image, mediaType: 'application/vnd.docker.distribution.manifest.v2+json' }, caPem)).valid).toBe(false);
  });

  it('is invalid once any one byte of its protected header, payload or signature changes', async () => {
    // Prepare
    const { envelope } = await sign('team_p256');
    const text = envelope.toString('utf8');
    const parsed = JSON.parse(text);
    const positions = ['protected', 'payload', 'signature'].map((member) => text.indexOf(parsed[member]) + Math.floor(parsed[member].length / 2));
    // Act
    const verdicts = await Promise.all(
      positions.map((at) => {
        const tampered = Buffer.from(envelope);
        tampered[at] = tampered[at] === 0x41 ? 0x42 : 0x41;
        return verifyNotarySignature(tampered, image, caPem);
      }),
    );
    // Assess
    expect(verdicts.map((v) => v.valid)).toEqual([false, false, false]);
    expect((await verifyNotarySignature(envelope, image, caPem)).valid).toBe(true);
  });

  it('is invalid against another trust anchor, and one from a chain of another CA is invalid against ours', async () => {
    const ours = await sign('team_p256');
    const theirs = await sign('foreign');

    expect(await verifyNotarySignature(ours.envelope, image, otherCaPem)).toEqual({ valid: false, reason: 'the chain does not end at the trust anchor' });
    expect((await verifyNotarySignature(theirs.envelope, image, caPem)).valid).toBe(false);
    expect((await verifyNotarySignature(theirs.envelope, image, otherCaPem)).valid).toBe(true);
  });
});

describe('the signature manifest', () => {
  it('is an OCI artifact of type notary signature: the empty config, the envelope as its one layer, the image as subject, the chain thumbprints', async () => {
    // Prepare
    const { envelope } = await sign('team_p256');
    const leafAndRoot = readFileSync(join(keysDir, 'team_p256', 'chain.pem'), 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!;
    const { createHash, X509Certificate } = await import('node:crypto');
    const thumbprints = leafAndRoot.map((pem) => createHash('sha256').update(new X509Certificate(pem).raw).digest('hex'));
    // Act
    const manifest = JSON.parse(signatureManifest(image, envelope));
    // Assess
    expect(manifest).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.cncf.notary.signature',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 },
      layers: [{ mediaType: 'application/jose+json', digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), size: envelope.length }],
      subject: image,
      annotations: { [THUMBPRINT_ANNOTATION]: JSON.stringify(thumbprints) },
    });
  });
});

describe('the local keys signer', () => {
  it('fails with SIGNING_KEY_NOT_FOUND for a profile without a folder, and without a keys directory at all', async () => {
    expect(await failureOf(sign('nobody'))).toBe('SIGNING_KEY_NOT_FOUND');
    expect(await failureOf(keysDirSigner(undefined).sign(profile('team_p256'), notaryPayload(image)))).toBe('SIGNING_KEY_NOT_FOUND');
  });

  it('fails with SIGNING_KEY_INVALID when key.pem is not the leaf certificate key, or chain.pem is not a chain', async () => {
    // Prepare: team_x has team_p384's key with team_p256's chain; team_y a chain whose root did not issue its leaf.
    makeProfileKeys(keysDir, 'team_x', join(dir, 'ca'));
    writeFileSync(join(keysDir, 'team_x', 'key.pem'), readFileSync(join(keysDir, 'team_p384', 'key.pem')));
    makeProfileKeys(keysDir, 'team_y', join(dir, 'ca'));
    writeFileSync(join(keysDir, 'team_y', 'chain.pem'), readFileSync(join(keysDir, 'team_y', 'leaf.pem'), 'utf8') + otherCaPem);
    // Act and assess
    expect(await failureOf(sign('team_x'))).toBe('SIGNING_KEY_INVALID');
    expect(await failureOf(sign('team_y'))).toBe('SIGNING_KEY_INVALID');
  });
});
