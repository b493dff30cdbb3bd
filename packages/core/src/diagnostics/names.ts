/**
 * The names of quicknats' diagnostics channels: a stable, documented
 * contract (README "Diagnostics channels"). On Node and Bun they are the
 * names of `node:diagnostics_channel` channels, so APM agents subscribe to
 * them directly; elsewhere they name the core's own channels
 * (`diagnosticsChannel(name)`).
 *
 * A key here always means the same name: copies of the core of different
 * versions share one table of channels (see registry.ts), so a key is never
 * renamed or reused, only added.
 *
 * Naming follows undici (`undici:request:create`): `quicknats:<object>:<event>`.
 * The two synchronous scopes (a publish, a subscription callback) are tracing
 * channels, named as `node:diagnostics_channel`'s `tracingChannel(base)`
 * names them (`tracing:<base>:start`, `:end`, `:asyncStart`, `:asyncEnd`,
 * `:error`), so `tracingChannel("quicknats:publish")` subscribes to them.
 */
export const DiagnosticsChannels = Object.freeze({
  /** the first connection is established (ConnectEvent) */
  Connect: "quicknats:connection:connect",
  /** one dial attempt failed, first connection or reconnection (ConnectErrorEvent) */
  ConnectError: "quicknats:connection:connectError",
  /** an established connection was lost (DisconnectEvent) */
  Disconnect: "quicknats:connection:disconnect",
  /** the connection is established again after a disconnect (ConnectEvent) */
  Reconnect: "quicknats:connection:reconnect",
  /** the connection is closed for good (CloseEvent) */
  Close: "quicknats:connection:close",

  /** a message is about to be encoded: headers can still be set (PublishEvent) */
  PublishStart: "tracing:quicknats:publish:start",
  /** the publish call returns or throws (PublishEvent, `result` or `error` set) */
  PublishEnd: "tracing:quicknats:publish:end",
  /** the publish failed after PublishStart (PublishEvent, `error` set), before PublishEnd */
  PublishError: "tracing:quicknats:publish:error",

  /** a message arrived for a subscription (DeliveryEvent) */
  Message: "quicknats:subscription:message",
  /** a message was dropped: the subscription's pending limits are exceeded (DropEvent) */
  Drop: "quicknats:subscription:drop",

  /** a callback subscription's callback is about to run, inside `runStores` (DeliveryEvent) */
  CallbackStart: "tracing:quicknats:subscription:callback:start",
  /** the callback returned or threw (DeliveryEvent, `result` or `error` set) */
  CallbackEnd: "tracing:quicknats:subscription:callback:end",
  /** the promise the callback returned settled (DeliveryEvent) */
  CallbackAsyncStart: "tracing:quicknats:subscription:callback:asyncStart",
  /** right after CallbackAsyncStart: the callback's work is over (DeliveryEvent) */
  CallbackAsyncEnd: "tracing:quicknats:subscription:callback:asyncEnd",
  /** the callback threw or its promise rejected (DeliveryEvent, `error` set) */
  CallbackError: "tracing:quicknats:subscription:callback:error",

  /** a request (request() or requestMany()) is about to be published: headers can still be set (RequestEvent) */
  RequestStart: "quicknats:request:start",
  /** a reply arrived for a request (RequestEvent, `response` set) */
  RequestResponse: "quicknats:request:response",
  /** the request completed: its reply, or requestMany's last, arrived (RequestEvent) */
  RequestEnd: "quicknats:request:end",
  /** the request failed: timeout, no responders, permission, closed... (RequestEvent, `error` and `reason` set) */
  RequestError: "quicknats:request:error",
} as const);

/** A key of `DiagnosticsChannels`. */
export type DiagnosticsChannelKey = keyof typeof DiagnosticsChannels;
/** A channel name of the contract. */
export type DiagnosticsChannelName = typeof DiagnosticsChannels[DiagnosticsChannelKey];

/**
 * The base names of the tracing channels, for `node:diagnostics_channel`'s
 * `tracingChannel(name)`: `tracingChannel(DiagnosticsTracingChannels.Publish)`
 * gives the PublishStart/End/Error channels (and two that never fire).
 */
export const DiagnosticsTracingChannels = Object.freeze({
  Publish: "quicknats:publish",
  Callback: "quicknats:subscription:callback",
} as const);
