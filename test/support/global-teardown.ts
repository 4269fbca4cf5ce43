/** Integration project teardown: stops the shared dev server and removes its files. */
import { rmSync } from 'node:fs';
import { reportTempLeftovers } from './temp-leftovers';

/** Jest global teardown for the integration project. */
export default async function globalTeardown(): Promise<void> {
  const shared = globalThis.__turnoutTestTemporal;
  if (!shared) return;
  globalThis.__turnoutTestTemporal = undefined;
  await shared.server.stop();
  // Keep the server's files when asked, to read server.log after a failed run.
  if (!process.env.TURNOUT_KEEP_TEST_FILES) rmSync(shared.dir, { recursive: true, force: true });
  reportTempLeftovers(shared.tempBefore);
}
