/**
 * Test certificates, generated at test time with `openssl` into a temp dir
 * (once per process, then cached; the dir is removed when the process exits).
 *
 * ```ts
 * const c = await certs();
 * await NatsServer.start({ tls: { cert_file: c.server.certFile, key_file: c.server.keyFile } });
 * await connect({ servers: srv.hostport, tls: { caFile: c.ca.certFile } });
 * ```
 *
 * - `ca`: the CA that signs everything below.
 * - `server`: a server certificate for `localhost` and `127.0.0.1`.
 * - `wrongName`: a server certificate (same CA) for `wrong.example` only.
 * - `localhostOnly`: a server certificate (same CA) for `localhost` only, not 127.0.0.1
 *   (a cluster that gossips IPs its certificate does not name).
 * - `otherCa`: a second, unrelated CA (for "untrusted certificate" tests).
 * - `otherCaServer`: a server certificate for `localhost`/`127.0.0.1` signed by `otherCa`.
 * - `client`: a client certificate (clientAuth) signed by `ca`, for mutual TLS.
 *
 * Keys are EC P-256 (fast to make); certificates are valid for two days.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A certificate and its key, as files and as PEM text. */
export interface CertPair {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

export interface TestCerts {
  dir: string;
  ca: CertPair;
  server: CertPair;
  wrongName: CertPair;
  localhostOnly: CertPair;
  otherCa: CertPair;
  otherCaServer: CertPair;
  client: CertPair;
}

let cached: Promise<TestCerts> | undefined;

/** The test certificates, made on the first call. */
export function certs(): Promise<TestCerts> {
  cached ??= make();
  return cached;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run("openssl", args, { cwd, timeout: 20_000 });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`openssl ${args.join(" ")} failed: ${e.message}\n${e.stderr ?? ""}`);
  }
}

function pair(dir: string, name: string): CertPair {
  const certFile = path.join(dir, `${name}.pem`);
  const keyFile = path.join(dir, `${name}-key.pem`);
  return { certFile, keyFile, cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") };
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

async function makeCa(dir: string, name: string, cn: string): Promise<CertPair> {
  await openssl(
    [
      "req", "-x509", ...EC,
      "-keyout", `${name}-key.pem`, "-out", `${name}.pem`,
      "-days", "2", "-subj", `/CN=${cn}`,
      "-addext", "basicConstraints=critical,CA:TRUE",
      "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    ],
    dir,
  );
  return pair(dir, name);
}

/** A leaf certificate signed by `ca`, with the given subjectAltName and extended key usage. */
async function makeLeaf(dir: string, name: string, ca: string, cn: string, san: string | undefined, eku: string): Promise<CertPair> {
  await openssl(["req", ...EC, "-keyout", `${name}-key.pem`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`], dir);
  const ext = [
    "basicConstraints=critical,CA:FALSE",
    "keyUsage=critical,digitalSignature,keyEncipherment",
    `extendedKeyUsage=${eku}`,
    ...(san ? [`subjectAltName=${san}`] : []),
  ].join("\n");
  writeFileSync(path.join(dir, `${name}.ext`), ext + "\n");
  await openssl(
    [
      "x509", "-req", "-in", `${name}.csr`,
      "-CA", `${ca}.pem`, "-CAkey", `${ca}-key.pem`,
      "-set_serial", `0x${randomBytes(8).toString("hex")}`,
      "-days", "2", "-sha256", "-extfile", `${name}.ext`,
      "-out", `${name}.pem`,
    ],
    dir,
  );
  return pair(dir, name);
}

async function make(): Promise<TestCerts> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "quicknats-certs-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const [ca, otherCa] = await Promise.all([
    makeCa(dir, "ca", "quicknats test CA"),
    makeCa(dir, "other-ca", "unrelated test CA"),
  ]);
  const [server, wrongName, localhostOnly, otherCaServer, client] = await Promise.all([
    makeLeaf(dir, "server", "ca", "localhost", "DNS:localhost,IP:127.0.0.1", "serverAuth"),
    makeLeaf(dir, "wrong-name", "ca", "wrong.example", "DNS:wrong.example", "serverAuth"),
    makeLeaf(dir, "localhost-only", "ca", "localhost", "DNS:localhost", "serverAuth"),
    makeLeaf(dir, "other-ca-server", "other-ca", "localhost", "DNS:localhost,IP:127.0.0.1", "serverAuth"),
    makeLeaf(dir, "client", "ca", "quicknats test client", undefined, "clientAuth"),
  ]);
  return { dir, ca, server, wrongName, localhostOnly, otherCa, otherCaServer, client };
}
