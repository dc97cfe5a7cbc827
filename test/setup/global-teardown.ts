import { STARTED_KEY } from './global-setup';
import { LocalServers, stopLocalServers } from './local-servers';

/**
 * Jest global teardown: stops the servers the global setup started, never reused ones.
 */
export default async function globalTeardown(): Promise<void> {
  const slot = globalThis as Record<string, unknown>;
  const started = slot[STARTED_KEY] as LocalServers | undefined;
  if (started) {
    delete slot[STARTED_KEY];
    await stopLocalServers(started);
  }
}
