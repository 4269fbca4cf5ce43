/**
 * Times every driver call the activities make, so the overhead bench can subtract the drivers' own
 * time from a step's duration. Each call is tagged with the workflow whose activity made it.
 */
import { performance } from 'node:perf_hooks';
import { Context } from '@temporalio/activity';
import type { Activities } from '../activities';
import type { Drivers } from '../src/drivers';
import type { Interval } from './stats';

/** One timed call, in epoch milliseconds (sub-millisecond precision), comparable with workflow times. */
export interface TimedCall extends Interval {
  workflowId: string | undefined;
  /** The activity execution that made the call (`<type>#<id>`): one per step for the short steps. */
  activity: string | undefined;
  what: string;
}

/** Epoch time with sub-millisecond precision. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

function currentActivity(): { workflowId: string | undefined; activity: string | undefined } {
  try {
    const info = Context.current().info;
    return { workflowId: info.workflowExecution?.workflowId, activity: `${info.activityType}#${info.activityId}` };
  } catch {
    // Called outside an activity (the bench's own reads): not part of any step.
    return { workflowId: undefined, activity: undefined };
  }
}

/** Records driver (and driver-like) calls. */
export class CallTimer {
  readonly calls: TimedCall[] = [];
  /** Told of each call as it starts, so a bench can act while a driver call is under way. */
  onStart: ((call: Omit<TimedCall, 'end'>) => void) | undefined;

  /** Runs `fn`, recording how long it took under `what`. */
  async time<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const { workflowId, activity } = currentActivity();
    const start = nowMs();
    this.onStart?.({ workflowId, activity, what, start });
    try {
      return await fn();
    } finally {
      this.calls.push({ workflowId, activity, what, start, end: nowMs() });
    }
  }

  /** `target` with each of its methods timed as `<label>.<method>`. */
  private timed<T extends object>(label: string, target: T): T {
    return new Proxy(target, {
      get: (obj, key, receiver) => {
        const value: unknown = Reflect.get(obj, key, receiver);
        if (typeof value !== 'function') return value;
        // Bound to the real object: its internal calls (setCellState's snapshots) are not counted twice.
        return (...args: unknown[]) => this.time(`${label}.${String(key)}`, () => Promise.resolve(value.apply(obj, args)));
      },
    });
  }

  /** The same drivers, every call timed. */
  wrapDrivers(drivers: Drivers): Drivers {
    return {
      sprayer: () => this.timed('sprayer', drivers.sprayer()),
      appServer: () => this.timed('appServer', drivers.appServer()),
      sessions: () => this.timed('sessions', drivers.sessions()),
      pluginCfg: (httpServer) => this.timed('pluginCfg', drivers.pluginCfg(httpServer)),
      naming: () => this.timed('naming', drivers.naming()),
      javaClientProbe: () => this.timed('javaClientProbe', drivers.javaClientProbe()),
      loadBalancerXml: (balancer) => this.timed('loadBalancerXml', drivers.loadBalancerXml(balancer)),
      loadBalancerXmls: () => drivers.loadBalancerXmls().map(({ name, store }) => ({ name, store: this.timed('loadBalancerXml', store) })),
    };
  }

  /** Calls made by one workflow's activities, optionally only those named `what`. */
  callsOf(workflowId: string, what?: string): TimedCall[] {
    return this.calls.filter((c) => c.workflowId === workflowId && (what === undefined || c.what === what));
  }
}

/**
 * Wall-clock engine time between steps: for each activity execution after the first, the time from
 * the end of the previous execution's last call to the start of its own first call. Workflow time
 * does not advance inside a workflow task (so local activities look instant in it); these gaps are
 * measured on the worker's clock and hold everything the engine does between two steps' drivers.
 */
export function gapsBetweenActivities(calls: readonly TimedCall[]): number[] {
  return activityGaps(calls).map((gap) => gap.end - gap.start);
}

/** The gaps of {@link gapsBetweenActivities} as intervals, so a caller can leave out those that hold a wait it caused. */
export function activityGaps(calls: readonly TimedCall[]): Interval[] {
  const spans = new Map<string, { start: number; end: number }>();
  for (const c of calls) {
    if (!c.activity) continue;
    const span = spans.get(c.activity);
    spans.set(c.activity, span ? { start: Math.min(span.start, c.start), end: Math.max(span.end, c.end) } : { start: c.start, end: c.end });
  }
  const ordered = [...spans.values()].sort((a, b) => a.start - b.start);
  return ordered.slice(1).map((span, i) => {
    const end = (ordered[i] as { end: number }).end;
    return { start: end, end: Math.max(end, span.start) };
  });
}

/** Times the smoke test's activity body as if it were a driver call: it is not behind the Drivers interface. */
export function timeSmokeTest(timer: CallTimer): (activities: Activities) => object {
  return (activities) => ({ ...activities, smokeTest: (input: Parameters<Activities['smokeTest']>[0]) => timer.time('smokeTest.run', () => activities.smokeTest(input)) });
}
