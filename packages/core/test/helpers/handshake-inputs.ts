/**
 * The inputs of the handshake's pure decisions, for unit tests: options
 * parsed for a TCP transport that never dials, an INFO, the client's name.
 */
import type { ConnectionOptions, ServerInfo } from "../../src/types.js";
import { type ParsedOptions, parseOptions } from "../../src/connection/options.js";
import { parseTcpUrl } from "../../src/transport/tcp-url.js";
import type { TransportFactory } from "../../src/transport/transport.js";

/** A TCP transport factory whose create() throws: these tests never dial. */
export const noDialFactory: TransportFactory = {
  create: () => {
    throw new Error("not dialed");
  },
  defaultPort: 4222,
  parseUrl: parseTcpUrl,
};

export const options = (o: ConnectionOptions = {}): ParsedOptions => parseOptions(o, noDialFactory);
export const info = (i: Partial<ServerInfo> = {}): ServerInfo => ({ server_id: "S", proto: 1, ...i }) as ServerInfo;
export const CLIENT = { lang: "quicknats", version: "9.9.9" };
