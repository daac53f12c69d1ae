/**
 * Test signing keys made with the openssl CLI exactly as the README's recipe makes them: a CA, and a leaf code-signing
 * certificate it issues, in a REGISTRY_SIGNING_KEYS_DIR folder named after the signing profile (key.pem, chain.pem).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type KeyKind = 'P-256' | 'P-384' | 'RSA-3072';

const openssl = (cwd: string, ...args: string[]) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
const keyArgs = (kind: KeyKind) => (kind === 'RSA-3072' ? ['-newkey', 'rsa:3072'] : ['-newkey', 'ec', '-pkeyopt', `ec_paramgen_curve:${kind}`]);

/** A test CA in `dir` (ca.key, ca.pem); returns its certificate's PEM. */
export function makeTestCa(dir: string, kind: KeyKind = 'P-256', name = 'Test CA'): string {
  mkdirSync(dir, { recursive: true });
  openssl(
    dir,
    'req',
    '-x509',
    ...keyArgs(kind),
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '365',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  return readFileSync(join(dir, 'ca.pem'), 'utf8');
}

/**
 * A leaf key and certificate issued by the CA in `caDir`, written as `<keysDir>/<profile>/key.pem` and `chain.pem`
 * (leaf first, root last).
 */
export function makeProfileKeys(keysDir: string, profile: string, caDir: string, kind: KeyKind = 'P-256'): void {
  const folder = join(keysDir, profile);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'leaf.ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n');
  openssl(folder, 'req', ...keyArgs(kind), '-nodes', '-keyout', 'key.pem', '-out', 'leaf.csr', '-subj', `/CN=${profile} signer`);
  openssl(
    folder,
    'x509',
    '-req',
    '-in',
    'leaf.csr',
    '-CA',
    join(caDir, 'ca.pem'),
    '-CAkey',
    join(caDir, 'ca.key'),
    '-CAcreateserial',
    '-out',
    'leaf.pem',
    '-days',
    '30',
    '-extfile',
    'leaf.ext',
  );
  writeFileSync(join(folder, 'chain.pem'), readFileSync(join(folder, 'leaf.pem'), 'utf8') + readFileSync(join(caDir, 'ca.pem'), 'utf8'));
}
