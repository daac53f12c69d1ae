/**
 * The signer in AWS (shared/signing/aws-signer.ts) against a fake AWS Signer endpoint that checks SigV4
 * (test/helpers/signer-endpoint.ts): what SignPayload is sent, the envelope and annotations it answers, and each
 * refusal as its signing failure code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsSigner } from '../../shared/signing/aws-signer.ts';
import { notaryPayload } from '../../shared/signing/envelope.ts';
import { keysDirSigner } from '../../shared/signing/keys-signer.ts';
import { SigningFailure } from '../../shared/signing/signer.ts';
import { verifyNotarySignature } from '../helpers/notary-verifier.ts';
import { startSignerEndpoint, type SignerEndpoint, type SignerReply } from '../helpers/signer-endpoint.ts';
import { makeProfileKeys, makeTestCa } from '../helpers/signing-keys.ts';

const ROLE = { accessKeyId: 'ASIAROLE000000000001', secretAccessKey: 'role-secret' };
const ENV = { AWS_ACCESS_KEY_ID: ROLE.accessKeyId, AWS_SECRET_ACCESS_KEY: ROLE.secretAccessKey, AWS_SESSION_TOKEN: 'token' };
const PROFILE = 'arn:aws:signer:eu-west-1:210987654321:/signing-profiles/release_signer';
const image = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'c'.repeat(64)}`, size: 321 };

let dir: string;
let caPem: string;
let endpoint: SignerEndpoint;
let next: (input: Record<string, any>) => SignerReply | Promise<SignerReply>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'secr-aws-signer-'));
  caPem = makeTestCa(join(dir, 'ca'));
  makeProfileKeys(join(dir, 'keys'), 'release_signer', join(dir, 'ca'));
  endpoint = await startSignerEndpoint(ROLE, (input) => next(input));
});

afterAll(async () => {
  await endpoint?.close();
  rmSync(dir, { recursive: true, force: true });
});

const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (e) {
    if (e instanceof SigningFailure) return `${e.code}${e.retryable ? ' (retried)' : ''}`;
    throw e;
  }
  return 'signed';
};

describe('the AWS Signer signer', () => {
  it('calls SignPayload signed for the profile region with the profile name, owner and the Notary payload, and returns the envelope and annotations', async () => {
    // Prepare: the fake answers a real envelope over the payload it was sent, as AWS Signer does.
    const local = keysDirSigner(join(dir, 'keys'));
    next = async (input) => {
      const { envelope } = await local.sign(PROFILE, Buffer.from(input.payload, 'base64'));
      return {
        status: 200,
        body: { jobId: 'job-1', jobOwner: '210987654321', metadata: { 'com.amazonaws.signer.signingJob': 'job-1' }, signature: envelope.toString('base64') },
      };
    };
    // Act
    const signed = await awsSigner(ENV, endpoint.endpoint).sign(PROFILE, notaryPayload(image));
    // Assess
    expect(endpoint.calls.at(-1)).toEqual({
      path: '/signing-jobs/with-payload',
      region: 'eu-west-1',
      input: {
        profileName: 'release_signer',
        profileOwner: '210987654321',
        payload: notaryPayload(image).toString('base64'),
        payloadFormat: 'application/vnd.cncf.notary.payload.v1+json',
      },
    });
    expect(signed.annotations).toEqual({ 'com.amazonaws.signer.signingJob': 'job-1' });
    expect(await verifyNotarySignature(signed.envelope, image, caPem)).toMatchObject({ valid: true });
  });

  it.each([
    [{ status: 403, errorType: 'AccessDeniedException', body: { message: 'not authorized' } }, 'ACCESS_DENIED'],
    [{ status: 404, errorType: 'ResourceNotFoundException', body: { message: 'no such profile' } }, 'SIGNING_PROFILE_NOT_FOUND'],
    [{ status: 400, errorType: 'ValidationException', body: { message: 'bad payload' } }, 'SIGNER_REFUSED'],
    [{ status: 429, errorType: 'ThrottlingException', body: { message: 'slow down' } }, 'SIGNER_UNAVAILABLE (retried)'],
    [{ status: 500, errorType: 'InternalServiceErrorException', body: {} }, 'SIGNER_UNAVAILABLE (retried)'],
    [{ status: 200, body: { jobId: 'job-2' } }, 'SIGNER_REFUSED'],
  ])('turns the answer %j into the failure %s', async (reply, code) => {
    next = () => reply as SignerReply;
    expect(await codeOf(awsSigner(ENV, endpoint.endpoint).sign(PROFILE, notaryPayload(image)))).toBe(code);
  });

  it('fails as unavailable (retried) without credentials or when nothing answers, and refuses a malformed profile ARN', async () => {
    expect(await codeOf(awsSigner({}, endpoint.endpoint).sign(PROFILE, notaryPayload(image)))).toBe('SIGNER_UNAVAILABLE (retried)');
    expect(await codeOf(awsSigner(ENV, 'http://127.0.0.1:1').sign(PROFILE, notaryPayload(image)))).toBe('SIGNER_UNAVAILABLE (retried)');
    expect(await codeOf(awsSigner(ENV, endpoint.endpoint).sign('arn:aws:signer:eu-west-1:210987654321:/signing-jobs/x', notaryPayload(image)))).toBe(
      'SIGNING_PROFILE_NOT_FOUND',
    );
  });
});
