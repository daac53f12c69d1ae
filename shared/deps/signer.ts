/** The `signer` part: what signs managed signatures; AWS Signer (SignPayload), or the keys of REGISTRY_SIGNING_KEYS_DIR when it is set. */
import type { Config } from '../config.ts';
import { awsSigner } from '../signing/aws-signer.ts';
import { keysDirSigner } from '../signing/keys-signer.ts';
import type { PayloadSigner } from '../signing/signer.ts';

/** AWS Signer with the function's role credentials, unless REGISTRY_SIGNING_KEYS_DIR names local keys. */
export function awsSignerPart(config: Config): PayloadSigner {
  return config.signingKeysDir ? keysDirSigner(config.signingKeysDir) : awsSigner(process.env, config.signerEndpoint);
}

/** The local host's signer: the keys of REGISTRY_SIGNING_KEYS_DIR (none when unset: every profile fails with SIGNING_KEY_NOT_FOUND). */
export function keysSignerPart(config: Config): PayloadSigner {
  return keysDirSigner(config.signingKeysDir);
}
