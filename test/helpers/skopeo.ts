/** skopeo as the tests run it: no signature policy file, output buffered up to 16 MiB, and the plain-http flags. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs `skopeo --insecure-policy <args>`; rejects with its stderr when it exits non-zero. */
export const skopeo = (...args: string[]) => run('skopeo', ['--insecure-policy', ...args], { maxBuffer: 16 << 20 });

/** Both ends over plain http (the local registry without TLS). */
export const PLAIN_HTTP = ['--src-tls-verify=false', '--dest-tls-verify=false'];
