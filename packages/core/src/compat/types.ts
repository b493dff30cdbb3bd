/**
 * Type names @nats-io/nats-core 3.4 exports (and so @nats-io/transport-node)
 * that TypeScript programs import for their own code: the same shapes, so a
 * program that names them compiles after the import switch.
 */
import type { Msg } from "../types.js";

export type CallbackFn = () => void;
export type CallbackOptionalErrorFn = (err: Error | void) => void;
/** What `addCloseListener()` takes (ours, CloseListener, accepts it). */
export type ConnectionClosedListener = { connectionClosedCallback: CallbackOptionalErrorFn };

/** Something that takes values, or callbacks to run in their order. */
export interface Dispatcher<T> {
  push(v: T | CallbackFn): void;
}

/** A request waiting for its reply, as the official mux sees it. */
export interface Request {
  token: string;
  requestSubject: string;
  received: number;
  resolver(err: Error | null, msg: Msg): void;
  cancel(err?: Error): void;
}

/** Lets derived type structures show through. */
export type Prettify<T> = { [K in keyof T]: T[K] };
export type ValueResult<T> = { isError: false; value: T };
export type ErrorResult = { isError: true; error: Error };
/** A value that may have resulted in an error. */
export type Result<T> = ValueResult<T> | ErrorResult;
