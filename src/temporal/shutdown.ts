/**
 * Waiting for the person to stop a long-running command (Ctrl-C, or SIGTERM from a supervisor),
 * so that the command can stop its parts in order: worker first, then lab, then server.
 */

/** The signals that stop `turnout dev` and `turnout worker`. */
export const shutdownSignals = ['SIGINT', 'SIGTERM'] as const;
export type ShutdownSignal = (typeof shutdownSignals)[number];

/** A pending shutdown request. */
export interface ShutdownWatch {
  /** Resolves with the first signal received. */
  signalled: Promise<ShutdownSignal>;
  /** Removes the handlers; call when the command is done. */
  dispose(): void;
}

/**
 * Watches for SIGINT and SIGTERM. The first asks for an orderly stop; a second one while stopping
 * calls `onForce`, for a person who does not want to wait.
 */
export function watchForShutdown(onForce: (signal: ShutdownSignal) => void): ShutdownWatch {
  let received: ShutdownSignal | undefined;
  let resolve: (signal: ShutdownSignal) => void = () => undefined;
  const signalled = new Promise<ShutdownSignal>((r) => (resolve = r));
  const handler = (signal: ShutdownSignal): void => {
    if (received) return onForce(signal);
    received = signal;
    resolve(signal);
  };
  for (const signal of shutdownSignals) process.on(signal, handler);
  return {
    signalled,
    dispose: () => shutdownSignals.forEach((signal) => process.removeListener(signal, handler)),
  };
}
