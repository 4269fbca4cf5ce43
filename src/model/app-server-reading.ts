/** One application server as the admin side reports it: what a rollout's start record compares. */
export interface AppServerReading {
  name: string;
  cluster: string;
  running: boolean;
  version: string;
  /** The virtual host in the configuration. */
  virtualHost: string;
  /** The virtual host the running process serves, when it runs. */
  runningVirtualHost: string | null;
}
