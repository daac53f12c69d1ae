/**
 * The local signer: REGISTRY_SIGNING_KEYS_DIR holds one folder per signing profile, named by the profile's name in
 * its ARN, with `key.pem` (the private key, PKCS#8 PEM: EC P-256/P-384/P-521 or RSA 2048/3072/4096) and `chain.pem`
 * (the X.509 chain, leaf first, root last). The files are read at each signing, so keys added while the registry runs
 * are used at once. Envelopes use the `notary.x509` signing scheme (./envelope.ts).
 */
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { algorithmOf, signEnvelope } from './envelope.ts';
import { parseProfileArn, SigningFailure, type PayloadSigner } from './signer.ts';

/** A signer over the keys directory; without a directory, every profile fails with SIGNING_KEY_NOT_FOUND. */
export function keysDirSigner(dir: string | undefined, now: () => Date = () => new Date()): PayloadSigner {
  return {
    async sign(profileArn, payload) {
      const name = parseProfileArn(profileArn)?.name;
      if (!name) throw new SigningFailure('SIGNING_PROFILE_NOT_FOUND', `${profileArn} is not a signing profile ARN`);
      if (!dir) throw new SigningFailure('SIGNING_KEY_NOT_FOUND', `No signing keys for profile ${name}: REGISTRY_SIGNING_KEYS_DIR is not set`);
      const { key, chain } = await readKeys(join(dir, name), name);
      const alg = algorithmOf(key);
      if (!alg) {
        throw new SigningFailure(
          'SIGNING_KEY_INVALID',
          `The key of profile ${name} is ${key.asymmetricKeyType} ${JSON.stringify(key.asymmetricKeyDetails)}: the Notary Project signs with EC P-256/P-384/P-521 or RSA 2048/3072/4096 keys only`,
        );
      }
      return { envelope: signEnvelope(payload, key, chain, alg, now()) };
    },
  };
}

async function readKeys(folder: string, name: string): Promise<{ key: KeyObject; chain: X509Certificate[] }> {
  const read = async (file: string) => {
    try {
      return await readFile(join(folder, file), 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR')
        throw new SigningFailure('SIGNING_KEY_NOT_FOUND', `No ${file} for signing profile ${name} in the keys directory`);
      throw new SigningFailure('SIGNING_KEY_INVALID', `The ${file} of signing profile ${name} cannot be read: ${(e as Error).message}`);
    }
  };
  const [keyPem, chainPem] = await Promise.all([read('key.pem'), read('chain.pem')]);
  let key: KeyObject;
  let chain: X509Certificate[];
  try {
    key = createPrivateKey(keyPem);
    chain = (chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((pem) => new X509Certificate(pem));
  } catch (e) {
    throw new SigningFailure('SIGNING_KEY_INVALID', `The keys of signing profile ${name} do not parse: ${(e as Error).message}`);
  }
  if (chain.length === 0) throw new SigningFailure('SIGNING_KEY_INVALID', `The chain.pem of signing profile ${name} holds no certificate`);
  if (!chain[0].checkPrivateKey(key))
    throw new SigningFailure('SIGNING_KEY_INVALID', `The key.pem of signing profile ${name} is not the key of its leaf certificate`);
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!chain[i].checkIssued(chain[i + 1]) || !chain[i].verify(chain[i + 1].publicKey)) {
      throw new SigningFailure(
        'SIGNING_KEY_INVALID',
        `The chain.pem of signing profile ${name} is not a chain: certificate ${i + 1} is not issued by the next`,
      );
    }
  }
  return { key, chain };
}
