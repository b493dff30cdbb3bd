/**
 * For leak tests: a full garbage collection on demand, and the timers and TCP
 * handles alive at any moment.
 */
import { createHook } from "node:async_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * gc() without --expose-gc, which the runner cannot pass to one file:
 * `v8.setFlagsFromString` + a fresh context is the documented way to reach it.
 */
export function gcFn(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

/**
 * The timers and TCP handles alive from now on, by async id ("Timeout",
 * "TCPWRAP", "TCPSERVERWRAP"), unref'ed ones included: those do not keep the
 * process alive, so process.getActiveResourcesInfo() leaves them out.
 */
export function trackLiveHandles(): ReadonlyMap<number, string> {
  const live = new Map<number, string>();
  createHook({
    init(id, type) {
      if (type === "Timeout" || type === "TCPWRAP" || type === "TCPSERVERWRAP") live.set(id, type);
    },
    destroy(id) {
      live.delete(id);
    },
  }).enable();
  return live;
}
