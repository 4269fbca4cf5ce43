/**
 * Session-count waits for the lab app server: `GET /__lab/sessions?unlike=N&waitMs=T` answers as
 * soon as the live count is not N (a logout, a new session, a soft reset, an idle timeout passing),
 * or after T. A drain then hears of the last session ending at once instead of a poll later;
 * WebSphere's PMI and GlassFish's asadmin have nothing like it, so their drains keep polling.
 */

/** The longest a wait may last, so a forgotten request does not hold a socket for long. */
export const maxSessionWaitMs = 60_000;

/** What a session wait needs from the app server. */
export interface SessionWaitHost {
  /** Drops the sessions whose idle time has passed and answers the live count. */
  liveCount(): number;
  /** When the next session would idle out, or undefined when none is live. */
  nextExpiry(): number | undefined;
}

/** The waits under way on one app server, woken whenever its sessions change. */
export class SessionWaits {
  private readonly waiters = new Set<() => void>();

  constructor(private readonly host: SessionWaitHost) {}

  /** Wakes every wait so it reads the count again; called after any change to the sessions. */
  changed(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves with the live count once it is not `unlike`, or with the count at `waitMs`. */
  async until(unlike: number, waitMs: number): Promise<number> {
    const deadline = Date.now() + Math.min(Math.max(0, waitMs), maxSessionWaitMs);
    for (;;) {
      const count = this.host.liveCount();
      if (count !== unlike || Date.now() >= deadline) return count;
      // Idle timeouts are lazy in the app server: wake when the next one is due, not only on requests.
      const wakeAt = Math.min(deadline, (this.host.nextExpiry() ?? deadline) + 1);
      await this.sleepUntil(wakeAt);
    }
  }

  private sleepUntil(at: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, at - Date.now()));
      this.waiters.add(wake);
    });
  }
}

/** The `unlike` and `waitMs` of a session wait, or undefined when the request is a plain read. */
export function sessionWaitOf(url: string | undefined): { unlike: number; waitMs: number } | undefined {
  const params = new URL(url ?? '/', 'http://lab').searchParams;
  const unlike = Number(params.get('unlike'));
  const waitMs = Number(params.get('waitMs'));
  if (params.get('unlike') === null || !Number.isInteger(unlike) || unlike < 0 || !Number.isFinite(waitMs)) return undefined;
  return { unlike, waitMs };
}
