import net from 'node:net';
import { devServerHost } from '../../src/temporal/dev-server';

/**
 * The environment variables through which the integration project's global setup tells every test
 * file where the shared dev server and the workflow bundle are.
 */
export const testTemporalEnv = {
  address: 'TURNOUT_TEST_TEMPORAL_ADDRESS',
  namespace: 'TURNOUT_TEST_TEMPORAL_NAMESPACE',
  uiUrl: 'TURNOUT_TEST_TEMPORAL_UI_URL',
  bundlePath: 'TURNOUT_TEST_WORKFLOW_BUNDLE',
  binary: 'TURNOUT_TEST_TEMPORAL_BIN',
} as const;

/** Preferred ports of the test server; others are taken when these are busy (parallel runs). */
export const testTemporalPorts = { grpc: 17233, ui: 18233 } as const;

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host: devServerHost, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** Any free loopback port. */
export function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen({ host: devServerHost, port: 0 }, () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The preferred port, or any free one when another run (or person) holds it. */
export async function pickPort(preferred: number): Promise<number> {
  return (await canListen(preferred)) ? preferred : anyFreePort();
}
