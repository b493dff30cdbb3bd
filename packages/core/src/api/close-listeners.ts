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

  remove(listener: CloseListener): void {
    const i = this.#list.indexOf(listener);
    if (i !== -1) this.#list.splice(i, 1);
  }

  /** Tells every listener, then forgets them. */
  closed(err: Error | undefined): void {
    const list = this.#list;
    this.#list = [];
    for (const l of list) notifyClosed(l, err);
  }
}
