/**
 * The registry's peers: how to reach each replication destination (another registry, `{region, registryId}`) and
 * the key this registry signs with there. The `REGISTRY_PEERS_FILE` JSON (`{"peers": [{"region", "registryId",
 * "endpoint", "accessKeyId", "secretAccessKey"}]}`), read again within seconds of every change as the principals file
 * is; in AWS the same JSON in the Secrets Manager secret REGISTRY_PEERS_SECRET_ID, read again every minute. The key is
 * a principal of the destination's principals file, standing for this registry's replication role.
 */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { Config } from '../config.ts';
import { logger } from '../observe/logger.ts';

/** One destination registry and how to reach it. */
export type Peer = { region: string; registryId: string; endpoint: string; accessKeyId: string; secretAccessKey: string };

/** A peers document the registry refuses; the message names what is wrong. */
export class PeersFileError extends Error {
  override readonly name = 'PeersFileError';
}

/** The peers as they are now. */
export type PeersSource = {
  /** The peer of a destination, if the peers document names it. */
  peer(region: string, registryId: string): Promise<Peer | undefined>;
  close(): void;
};

/** How often the peers file's modification time is looked at. */
export const PEERS_FILE_POLL_MS = 1000;
/** How long the peers secret read in AWS is used before it is read again. */
export const PEERS_SECRET_TTL_MS = 60_000;

/** The peers of a document's text; PeersFileError when it is invalid. */
export function parsePeers(text: string): Peer[] {
  let doc: any;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new PeersFileError(`the peers file is not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(doc?.peers)) throw new PeersFileError('the peers file needs a "peers" list');
  const seen = new Set<string>();
  return doc.peers.map((p: any, i: number) => {
    const at = `peers[${i}]`;
    if (typeof p?.region !== 'string' || !/^[0-9a-z-]{2,25}$/.test(p.region)) throw new PeersFileError(`${at}.region must be a region name`);
    if (typeof p.registryId !== 'string' || !/^[0-9]{12}$/.test(p.registryId)) throw new PeersFileError(`${at}.registryId must be 12 digits`);
    let url: URL;
    try {
      url = new URL(p.endpoint);
    } catch {
      throw new PeersFileError(`${at}.endpoint must be a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new PeersFileError(`${at}.endpoint must be an http or https URL`);
    if (typeof p.accessKeyId !== 'string' || !p.accessKeyId) throw new PeersFileError(`${at}.accessKeyId must be a string`);
    if (typeof p.secretAccessKey !== 'string' || !p.secretAccessKey) throw new PeersFileError(`${at}.secretAccessKey must be a string`);
    const key = `${p.region}/${p.registryId}`;
    if (seen.has(key)) throw new PeersFileError(`${at} names ${key} a second time`);
    seen.add(key);
    return { region: p.region, registryId: p.registryId, endpoint: p.endpoint, accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey };
  });
}

const find = (peers: Peer[], region: string, registryId: string) => peers.find((p) => p.region === region && p.registryId === registryId);

/** The peers of `file`, read at start (throws when unusable then) and again on every change (a bad version is refused with a log line). */
export function watchPeersFile(file: string): PeersSource {
  let current = parsePeers(readFileSync(file, 'utf8'));
  const reload = () => {
    try {
      current = parsePeers(readFileSync(file, 'utf8'));
      logger.info({ file }, 'peers file reloaded');
    } catch (e) {
      logger.error({ file, error: (e as Error).message }, 'peers file refused; the previous peers stay in force');
    }
  };
  watchFile(file, { interval: PEERS_FILE_POLL_MS, persistent: false }, (now, before) => {
    if (now.mtimeMs !== before.mtimeMs || now.size !== before.size) reload();
  });
  return { peer: async (region, registryId) => find(current, region, registryId), close: () => unwatchFile(file) };
}

/** The peers of a Secrets Manager secret, read on first use and again once PEERS_SECRET_TTL_MS old (a bad version keeps the previous peers). */
export function secretPeers(secretId: string, env: NodeJS.ProcessEnv, now: () => number = Date.now): PeersSource {
  let current: { at: number; peers: Peer[] } | undefined;
  const peers = async () => {
    if (!current || now() - current.at >= PEERS_SECRET_TTL_MS) {
      try {
        // Loaded on first use: only a function that replicates signs a Secrets Manager call.
        const { principalsDocumentReader } = await import('../secrets/principals-document.ts');
        current = { at: now(), peers: parsePeers(await principalsDocumentReader({ kind: 'secret', secretId }, env).read()) };
      } catch (e) {
        if (!current) throw e;
        logger.error({ secret: secretId, error: (e as Error).message }, 'peers secret refused; the previous peers stay in force');
        current = { at: now(), peers: current.peers };
      }
    }
    return current.peers;
  };
  return { peer: async (region, registryId) => find(await peers(), region, registryId), close: () => undefined };
}

/** The peers the configuration names: the file, the secret, or none. */
export function peersOf(config: Pick<Config, 'peersFile' | 'peersSecretId'>, env: NodeJS.ProcessEnv = process.env): PeersSource {
  if (config.peersFile) return watchPeersFile(config.peersFile);
  if (config.peersSecretId) return secretPeers(config.peersSecretId, env);
  return { peer: async () => undefined, close: () => undefined };
}
