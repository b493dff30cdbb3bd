/**
 * The close listeners of one connection (`addCloseListener()`, nats-core's
 * internal API: the pull consumers stop on it), each told once.
 */

/** What `addCloseListener()` takes, as in @nats-io/nats-core. */
export interface CloseListener {
  connectionClosedCallback(err?: Error): void;
}

/** Tells `l` the connection closed; what it throws is its own, as in the official client. */
export function notifyClosed(l: CloseListener, err: Error | undefined): void {
  try {
    l.connectionClosedCallback(err);
  } catch {
    // ignored
  }
}

export class CloseListeners {
  #list: CloseListener[] = [];

  add(listener: CloseListener): void {
    this.#list.push(listener);
  }

  /** Removes every copy of `listener` (one added twice is gone after one remove, as in the official client). */
  remove(listener: CloseListener): void {
    if (this.#list.includes(listener)) this.#list = this.#list.filter((l) => l !== listener);
  }

  /** Tells every listener, then forgets them. */
  closed(err: Error | undefined): void {
    const list = this.#list;
    this.#list = [];
    for (const l of list) notifyClosed(l, err);
  }
}
