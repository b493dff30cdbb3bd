/**
 * The few `Deno` APIs the transport uses, declared here rather than taken
 * from Deno's lib: the package is also compiled by tsc (for npm), where no
 * `Deno` global exists, and it must load (not dial) in other runtimes. The
 * shapes are the Deno 2 ones (lib.deno.ns.d.ts: `Deno.Conn`, `Deno.TcpConn`,
 * `Deno.TlsConn`, `Deno.connect`, `Deno.connectTls`, `Deno.startTls`).
 */
import { ConnectionError } from "@quicknats/core";

/** `Deno.Conn`: reads and writes may be partial; `read` resolves null at EOF. */
export interface DenoConn {
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  close(): void;
}

/** `Deno.TcpConn` */
export interface DenoTcpConn extends DenoConn {
  setNoDelay(noDelay?: boolean): void;
}

/** `Deno.TlsConn`: `handshake()` surfaces certificate errors that `startTls` does not. */
export interface DenoTlsConn extends DenoConn {
  handshake(): Promise<unknown>;
}

export interface DenoNet {
  connect(options: { hostname: string; port: number; transport?: "tcp" }): Promise<DenoTcpConn>;
  connectTls(options: {
    hostname: string;
    port: number;
    caCerts?: string[];
    cert?: string;
    key?: string;
  }): Promise<DenoTlsConn>;
  startTls(conn: DenoTcpConn, options: { hostname: string; caCerts?: string[] }): Promise<DenoTlsConn>;
  readTextFile(path: string): Promise<string>;
}

/** The `Deno` global, or a ConnectionError naming the runtime that lacks it. */
export function denoNet(): DenoNet {
  const d = (globalThis as { Deno?: DenoNet }).Deno;
  if (d === undefined || typeof d.connect !== "function") {
    throw new ConnectionError(
      "@quicknats/deno needs the Deno runtime (no global Deno here): use @quicknats/node on Node.js or Bun, or wsconnect()",
    );
  }
  return d;
}
