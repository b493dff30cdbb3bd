/**
 * A live subject monitor for the browser: watch subjects (wildcards too),
 * publish with a header, send requests, and answer them from the page.
 * `wsconnect()` from the ESM build of @quicknats/core, bundled by
 * scripts/build-browser-example.mjs into dist/app.js.
 *
 * Query parameters: `?server=ws://host:port` fills in the server, and
 * `&connect=1` connects at once.
 */
import { headers, type Msg, type NatsConnection, RequestError, TimeoutError, wsconnect } from "@quicknats/core";

const MAX_ROWS = 200;

function $<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from index.html`);
  return el as T;
}

const ui = {
  status: $("status"),
  server: $<HTMLInputElement>("server"),
  connect: $<HTMLButtonElement>("connect"),
  watchSubject: $<HTMLInputElement>("watch-subject"),
  watch: $<HTMLButtonElement>("watch"),
  watching: $<HTMLUListElement>("watching"),
  pubSubject: $<HTMLInputElement>("pub-subject"),
  pubHeaderName: $<HTMLInputElement>("pub-header-name"),
  pubHeaderValue: $<HTMLInputElement>("pub-header-value"),
  pubText: $<HTMLInputElement>("pub-text"),
  publish: $<HTMLButtonElement>("publish"),
  reqSubject: $<HTMLInputElement>("req-subject"),
  reqText: $<HTMLInputElement>("req-text"),
  request: $<HTMLButtonElement>("request"),
  requestResult: $<HTMLOutputElement>("request-result"),
  echo: $<HTMLInputElement>("echo-service"),
  echoSubject: $("echo-subject"),
  rows: $<HTMLTableElement>("messages").tBodies[0]!,
  count: $("count"),
};

let nc: NatsConnection | undefined;
let echoSub: ReturnType<NatsConnection["subscribe"]> | undefined;
let received = 0;

function setStatus(state: string, text = state): void {
  ui.status.dataset.state = state;
  ui.status.textContent = text;
}

function setEnabled(on: boolean): void {
  for (const el of [ui.watch, ui.publish, ui.request, ui.echo]) el.disabled = !on;
  ui.connect.textContent = on ? "Disconnect" : "Connect";
}

function formatHeaders(m: Msg): string {
  if (!m.headers) return "";
  const parts: string[] = [];
  for (const [k, vs] of m.headers) parts.push(`${k}: ${vs.join(", ")}`);
  return parts.join("; ");
}

function addRow(m: Msg): void {
  received++;
  ui.count.textContent = String(received);
  const tr = document.createElement("tr");
  for (const text of [new Date().toLocaleTimeString(), m.subject, formatHeaders(m), m.string()]) {
    const td = document.createElement("td");
    td.textContent = text;
    tr.appendChild(td);
  }
  ui.rows.prepend(tr);
  while (ui.rows.rows.length > MAX_ROWS) ui.rows.deleteRow(-1);
}

async function watchStatus(conn: NatsConnection): Promise<void> {
  for await (const s of conn.status()) {
    if (s.type === "disconnect" || s.type === "reconnecting") setStatus("reconnecting");
    else if (s.type === "reconnect") setStatus("connected", `connected to ${conn.getServer()}`);
  }
}

async function connectTo(url: string): Promise<void> {
  setStatus("connecting");
  try {
    const conn = await wsconnect({ servers: url, name: "quicknats-browser-monitor", maxReconnectAttempts: -1, reconnectTimeWait: 500 });
    nc = conn;
    setStatus("connected", `connected to ${conn.getServer()}`);
    setEnabled(true);
    void watchStatus(conn);
    void conn.closed().then((err) => {
      if (nc === conn) nc = undefined;
      setEnabled(false);
      ui.watching.replaceChildren();
      setStatus("disconnected", err ? `closed: ${err.message}` : "disconnected");
    });
  } catch (err) {
    setStatus("disconnected", `error: ${(err as Error).message}`);
  }
}

ui.connect.closest("form")!.addEventListener("submit", (e) => {
  e.preventDefault();
  if (nc) void nc.drain();
  else void connectTo(ui.server.value.trim());
});

ui.watch.closest("form")!.addEventListener("submit", (e) => {
  e.preventDefault();
  if (!nc) return;
  const subject = ui.watchSubject.value.trim();
  try {
    nc.subscribe(subject, { callback: (err, m) => (err ? setStatus("connected", err.message) : addRow(m)) });
  } catch (err) {
    setStatus("connected", (err as Error).message);
    return;
  }
  const li = document.createElement("li");
  li.textContent = subject;
  ui.watching.appendChild(li);
});

ui.publish.closest("form")!.addEventListener("submit", (e) => {
  e.preventDefault();
  if (!nc) return;
  const h = headers();
  const name = ui.pubHeaderName.value.trim();
  if (name) h.set(name, ui.pubHeaderValue.value);
  nc.publish(ui.pubSubject.value.trim(), ui.pubText.value, { headers: h });
});

ui.request.closest("form")!.addEventListener("submit", (e) => {
  e.preventDefault();
  if (!nc) return;
  const subject = ui.reqSubject.value.trim();
  const out = ui.requestResult;
  out.dataset.kind = "pending";
  out.textContent = "…";
  nc.request(subject, ui.reqText.value, { timeout: 2_000 }).then(
    (m) => {
      out.dataset.kind = "reply";
      const h = formatHeaders(m);
      out.textContent = `reply: ${m.string()}${h ? ` [${h}]` : ""}`;
    },
    (err: Error) => {
      out.dataset.kind = "error";
      if (err instanceof RequestError && err.isNoResponders()) out.textContent = `no responders on ${subject}`;
      else if (err instanceof TimeoutError) out.textContent = `timeout: no reply on ${subject}`;
      else out.textContent = `error: ${err.message}`;
    },
  );
});

ui.echo.addEventListener("change", () => {
  if (!nc) return;
  const subject = ui.reqSubject.value.trim();
  ui.echoSubject.textContent = subject;
  if (ui.echo.checked) {
    echoSub = nc.subscribe(subject, {
      callback: (err, m) => {
        if (err) return;
        const h = headers();
        h.set("Served-By", "browser");
        m.respond(`echo: ${m.string()}`, { headers: h });
      },
    });
  } else {
    echoSub?.unsubscribe();
    echoSub = undefined;
  }
});

const params = new URLSearchParams(location.search);
const server = params.get("server");
if (server) ui.server.value = server;
if (params.get("connect") === "1") void connectTo(ui.server.value.trim());
