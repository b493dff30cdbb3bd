/**
 * The messages of inbound deliveries, made only when someone listens, and
 * the traced run of a subscription callback. The subscription's delivery
 * path uses these; subscribers see the DeliveryEvent and DropEvent
 * interfaces (events.ts).
 */
import type { Msg, MsgCallback, NatsConnection, Subscription } from "../types.js";
import type { DeliveryEvent, DropEvent } from "./events.js";
import type { Diagnostics } from "./registry.js";

export class DeliveryEventImpl implements DeliveryEvent {
  result: unknown = undefined;
  async = false;
  error: unknown = undefined;

  constructor(
    readonly connection: NatsConnection,
    readonly subscription: Subscription,
    readonly msg: Msg,
    readonly requestReply: boolean,
  ) {}

  // read on demand: a subscriber that needs neither costs no decoding, no view
  get sid(): number {
    return this.msg.sid;
  }

  get queue(): string | undefined {
    // SubscriptionImpl's; the public Subscription interface has no getter for it
    return (this.subscription as { queue?: string }).queue || undefined;
  }

  get subject(): string {
    return this.msg.subject;
  }

  get size(): number {
    return this.msg.data.length;
  }
}

export class DropEventImpl implements DropEvent {
  constructor(
    readonly connection: NatsConnection,
    readonly subscription: Subscription,
    readonly msg: Msg,
    readonly pending: number,
    readonly pendingBytes: number,
    readonly dropped: number,
  ) {}

  get sid(): number {
    return this.msg.sid;
  }

  get subject(): string {
    return this.msg.subject;
  }

  get size(): number {
    return this.msg.data.length;
  }
}

/** Where a callback's error goes after its events: the subscription, which makes it a `status()` error. */
export interface CallbackErrorReport {
  reportCallbackError(err: unknown): void;
}

/**
 * Runs a subscription's callback inside its tracing channel, with the
 * semantics of Node's `TracingChannel`: `start` through `runStores` (a
 * store bound there, such as a tracing context, is active while the
 * callback runs), then `end`; a throw publishes `error` before `end`. When
 * the callback returns a promise, `end` has `async: true`, and once the
 * promise settles `asyncStart` and `asyncEnd` follow (after `error` if it
 * rejected). Errors go to `report` after their events, as without tracing.
 * Only for a callback whose CallbackStart has subscribers.
 */
export function traceCallback(
  d: Diagnostics,
  ev: DeliveryEventImpl,
  cb: MsgCallback<Msg>,
  report: CallbackErrorReport,
): void {
  d.CallbackStart.runStores(ev, runCallback, undefined, d, ev, cb, report);
}

function runCallback(d: Diagnostics, ev: DeliveryEventImpl, cb: MsgCallback<Msg>, report: CallbackErrorReport): void {
  let r: unknown;
  try {
    r = cb(null, ev.msg);
  } catch (err) {
    ev.error = err;
    d.CallbackError.publish(ev);
    d.CallbackEnd.publish(ev);
    report.reportCallbackError(err);
    return;
  }
  ev.result = r;
  if (!(r instanceof Promise)) {
    d.CallbackEnd.publish(ev);
    return;
  }
  ev.async = true;
  d.CallbackEnd.publish(ev);
  r.then(
    (value: unknown) => {
      ev.result = value;
      d.CallbackAsyncStart.publish(ev);
      d.CallbackAsyncEnd.publish(ev);
    },
    (err: unknown) => {
      ev.error = err;
      d.CallbackError.publish(ev);
      d.CallbackAsyncStart.publish(ev);
      d.CallbackAsyncEnd.publish(ev);
      report.reportCallbackError(err);
    },
  );
}
