/**
 * The principals file on disk (REGISTRY_IAM_FILE), read at start and again within seconds of every change, without a
 * restart. A file that cannot be read or is invalid at start stops the start; later, it is refused with one log line
 * and the principals in force stay.
 */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { logger } from '../observe/logger.ts';
import { parsePrincipals, type Directory, type rootEntry } from './principals.ts';

/** How often the file's modification time is looked at. */
export const IAM_FILE_POLL_MS = 1000;

export type PrincipalsSource = { directory: () => Directory; close: () => void };

/** The principals of `file` as they are now; throws (a PrincipalsFileError or the read error) when the file is unusable at start. */
export function watchPrincipalsFile(file: string, root: ReturnType<typeof rootEntry>): PrincipalsSource {
  let current = parsePrincipals(readFileSync(file, 'utf8'), root);
  const reload = () => {
    try {
      current = parsePrincipals(readFileSync(file, 'utf8'), root);
      logger.info({ file }, 'principals file reloaded');
    } catch (e) {
      logger.error({ file, error: (e as Error).message }, 'principals file refused; the previous principals stay in force');
    }
  };
  watchFile(file, { interval: IAM_FILE_POLL_MS, persistent: false }, (now, before) => {
    if (now.mtimeMs !== before.mtimeMs || now.size !== before.size) reload();
  });
  return { directory: () => current, close: () => unwatchFile(file) };
}
