/** Actors for tests that call the domain directly, as the protocol adapters and jobs do. */
import type { Config } from '../../shared/config.ts';
import { principalActor, rootPrincipal, serviceActor, type Actor } from '../../shared/domain/actor.ts';

/** The registry account's root, as the default access key authenticates it. */
export const rootActor = (config: Config, host = '127.0.0.1:5000'): Actor =>
  principalActor(rootPrincipal(config), config.accessKeyId, { requestId: 'test', host });

/** A job of the registry (lifecycle, scan, feed-import). */
export const jobActor = (config: Config, name = 'test-job'): Actor => serviceActor(config, name, 'test');
