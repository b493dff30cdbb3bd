/**
 * IP literals as nats-core's `internal` entry parses them (after Go's
 * `net.ParseIP`): 16 bytes, an IPv4 address mapped into IPv6
 * (`::ffff:a.b.c.d`). Exported for programs that import them from
 * @nats-io/transport-node; the client itself does not use them. Stricter on
 * malformed input than nats-core's port: text after an IPv4 address's fourth
 * number, or a hex group of more than 4 digits, is no address here.
 */

const V4_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** `a.b.c.d` as 16 bytes (`::ffff:a.b.c.d`). */
export function ipV4(a: number, b: number, c: number, d: number): Uint8Array {
  return Uint8Array.from([...V4_PREFIX, a, b, c, d]);
}

/** Four dot-separated decimal numbers up to 255 (leading zeros allowed, as nats-core allows them). */
function parseV4(s: string): Uint8Array | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,8}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    bytes.push(n);
  }
  return ipV4(bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!);
}

/** Hex groups of 1 to 4 digits, one `::`, an optional IPv4 tail in the last 4 bytes. */
function parseV6(s: string): Uint8Array | undefined {
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string): number[] | undefined => {
    if (part === "") return [];
    const out: number[] = [];
    const groups = part.split(":");
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i]!;
      if (i === groups.length - 1 && g.includes(".")) {
        const v4 = parseV4(g);
        if (v4 === undefined) return undefined;
        out.push((v4[12]! << 8) | v4[13]!, (v4[14]! << 8) | v4[15]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) {
        out.push(parseInt(g, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  // an IPv4 tail is only allowed at the very end of the address
  if (halves.length === 2 && halves[0]!.includes(".")) return undefined;
  const words = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const ip = new Uint8Array(16);
  words.forEach((w, i) => {
    ip[2 * i] = w >> 8;
    ip[2 * i + 1] = w & 0xff;
  });
  return ip;
}

/** An IPv4 or IPv6 literal as 16 bytes, or undefined. */
export function parseIP(h: string): Uint8Array | undefined {
  for (const c of h) {
    if (c === ".") return parseV4(h);
    if (c === ":") return parseV6(h);
  }
  return undefined;
}

export function isIP(h: string): boolean {
  return parseIP(h) !== undefined;
}

/** True for an IPv4 address or a hostname, with or without `:port`; false for what looks like IPv6. */
export function isIPV4OrHostname(hp: string): boolean {
  if (hp.includes("[") || hp.includes("::")) return false;
  if (hp.includes(".")) return true;
  return hp.split(":").length <= 2;
}
