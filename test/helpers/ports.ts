/**
 * Loopback ports: ones nothing listens on (for servers to start on, or for
 * dials that must be refused), and whether something listens on one.
 */
import net from "node:net";

/**
 * `n` loopback ports nothing listens on: binds `n` listeners to 127.0.0.1:0
 * at once (so the ports differ), then frees them. Another process may take one
 * in between; callers that bind retry on EADDRINUSE.
 */
export async function reservePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => {
      return new Promise<net.Server>((resolve, reject) => {
        const s = net.createServer();
        s.once("error", reject);
        s.listen(0, "127.0.0.1", () => resolve(s));
      });
    }),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** A loopback port nothing listens on (bound, then freed): a dial to it is refused. */
export async function freePort(): Promise<number> {
  const [port] = await reservePorts(1);
  return port;
}

/** True if something accepts TCP connections on host:port within `timeoutMs`. */
export function canConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once("connect", () => done(true));
    sock.once("error", () => done(false));
  });
}
