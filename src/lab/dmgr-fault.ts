/**
 * The lab dmgr's injected HTTP errors (`PUT /__lab/fault`, see `dmgr-api.ts`): a deployment manager
 * that answers 500 a few times and recovers, or for good, so tests can see what a rollout and its
 * rollback do with bounded retries and the server's own message.
 */
import type http from 'node:http';
import { dmgrFaultSchema, type DmgrFault, type DmgrFaultState } from './dmgr-api';

/** The path of the fault switch on the dmgr's admin port. */
export const dmgrFaultPath = '/__lab/fault';

/** Whether the request comes from this machine: the switch is a test's, never the network's. */
export function fromLoopback(req: http.IncomingMessage): boolean {
  const from = req.socket.remoteAddress ?? '';
  return from === '127.0.0.1' || from === '::1' || from === '::ffff:127.0.0.1';
}

/** What a failing call answers. */
export interface FaultAnswer {
  status: number;
  message: string;
}

/** The fault in place, if any, and what it has done so far. */
export class DmgrFaultSwitch {
  private fault: DmgrFault | null = null;
  private remaining: number | null = null;
  private failed = 0;

  /** Puts a fault in place (replacing any), or throws a message naming what is wrong with `input`. */
  set(input: unknown): DmgrFaultState {
    const parsed = dmgrFaultSchema.safeParse(input);
    if (!parsed.success) throw new Error(`a fault needs {status: 400-599, message, count?, method?: GET | POST}: ${parsed.error.message}`);
    this.fault = parsed.data;
    this.remaining = parsed.data.count ?? null;
    this.failed = 0;
    return this.state();
  }

  /** Clears the fault; the counts stay readable until the next one. */
  clear(): DmgrFaultState {
    this.fault = null;
    this.remaining = null;
    return this.state();
  }

  state(): DmgrFaultState {
    return { fault: this.fault, remaining: this.remaining, failed: this.failed };
  }

  /** The error an admin call answers instead of running, or undefined to run it. Spends one of `count`. */
  take(method: string): FaultAnswer | undefined {
    const fault = this.fault;
    if (!fault || (fault.method !== undefined && fault.method !== method)) return undefined;
    if (this.remaining !== null) {
      this.remaining -= 1;
      if (this.remaining <= 0) this.fault = null;
    }
    this.failed += 1;
    return { status: fault.status, message: fault.message };
  }
}
