import { describe, it } from "node:test";
// tsconfig.test.json has no esModuleInterop, so no default import of node:assert/strict
import { strict as assert } from "node:assert";
import {
  canonicalMIMEHeaderKey,
  headers,
  MsgHdrsImpl,
} from "../src/api/headers.js";
import { Match, type MsgHdrs } from "../src/types.js";
import { InvalidArgumentError } from "../src/errors.js";

const te = new TextEncoder();
const td = new TextDecoder();

function dec(s: string): MsgHdrsImpl {
  return MsgHdrsImpl.decode(te.encode(s));
}

function wire(h: MsgHdrs): string {
  return td.decode((h as MsgHdrsImpl).encode());
}

function impl(code = 0, description = ""): MsgHdrsImpl {
  return headers(code, description) as MsgHdrsImpl;
}

/** Everything observable about a set, to check that a failed call changed nothing. */
function snapshot(h: MsgHdrsImpl) {
  return {
    record: h.toRecord(),
    keys: h.keys(),
    wire: wire(h),
    code: h.code,
    description: h.description,
  };
}

function isInvalidArgument(match?: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof InvalidArgumentError, `not InvalidArgumentError: ${err}`);
    assert.equal((err as Error).name, "InvalidArgumentError");
    if (match) assert.match((err as Error).message, match);
    return true;
  };
}

/** Deterministic PRNG (mulberry32), so fuzz failures reproduce. */
function rng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALL_MATCHES: Match[] = [Match.Exact, Match.CanonicalMIME, Match.IgnoreCase];

describe("Match", () => {
  it("has the official values and is frozen", () => {
    assert.deepEqual({ ...Match }, {
      Exact: "exact",
      CanonicalMIME: "canonical",
      IgnoreCase: "insensitive",
    });
    assert.ok(Object.isFrozen(Match));
  });
});

describe("canonicalMIMEHeaderKey", () => {
  it("upper-cases the first letter and each letter after '-'", () => {
    assert.equal(canonicalMIMEHeaderKey("foo"), "Foo");
    assert.equal(canonicalMIMEHeaderKey("foo-bar"), "Foo-Bar");
    assert.equal(canonicalMIMEHeaderKey("foo-bar-baz"), "Foo-Bar-Baz");
    assert.equal(canonicalMIMEHeaderKey("FOO-BAR"), "Foo-Bar");
    assert.equal(canonicalMIMEHeaderKey("nats-MSG-id"), "Nats-Msg-Id");
    assert.equal(canonicalMIMEHeaderKey("x--y"), "X--Y");
    assert.equal(canonicalMIMEHeaderKey("1abc-2def"), "1abc-2def");
    assert.equal(canonicalMIMEHeaderKey("Already-Canonical"), "Already-Canonical");
    assert.equal(canonicalMIMEHeaderKey(""), "");
  });

  it("throws InvalidArgumentError for characters outside 33-126 and ':'", () => {
    for (const k of ["bad:", "bad ", "a\tb", "a\r", "a\n", "\u007f", "é", "🙂", "\u0000"]) {
      assert.throws(
        () => canonicalMIMEHeaderKey(k),
        isInvalidArgument(/is not a valid character in a header name/),
        JSON.stringify(k),
      );
    }
  });

  it("escapes unprintable characters in the message", () => {
    assert.throws(() => canonicalMIMEHeaderKey("a\r\nb"), (err: Error) => {
      assert.ok(!/[\r\n]/.test(err.message));
      assert.match(err.message, /\\u000d/);
      return true;
    });
  });
});

describe("headers()", () => {
  it("defaults to no status", () => {
    const h = headers();
    assert.equal(h.code, 0);
    assert.equal(h.description, "");
    assert.equal(h.status, "0");
    assert.equal(h.hasError, false);
    assert.equal((h as MsgHdrsImpl).size(), 0);
    assert.deepEqual(h.keys(), []);
  });

  it("carries code, description, status and hasError", () => {
    const h = headers(503, "No Responders");
    assert.equal(h.code, 503);
    assert.equal(h.description, "No Responders");
    assert.equal(h.status, "503 No Responders");
    assert.equal(h.hasError, true);
    assert.equal(headers(200, "OK").hasError, false);
    assert.equal(headers(299, "x").hasError, false);
    assert.equal(headers(300, "x").hasError, true);
    assert.equal(headers(100, "Idle Heartbeat").hasError, false);
  });

  it("requires a description with a code and a code with a description", () => {
    assert.throws(() => headers(500), isInvalidArgument(/^'description' is required$/));
    assert.throws(() => headers(0, "some message"), isInvalidArgument(/^'code' is required$/));
    assert.throws(() => headers(500, "   "), isInvalidArgument(/'description' is required/));
  });

  it("requires a 3-digit integer code", () => {
    for (const code of [1, 99, 1000, -1, 503.5, NaN, Infinity, "503" as unknown as number]) {
      assert.throws(() => headers(code, "x"), isInvalidArgument(/'code'/), String(code));
    }
  });

  it("validates and trims the description", () => {
    for (const d of ["a\r\nInjected: x", "a\n", "\r", "a\u0000", "\ud800"]) {
      assert.throws(() => headers(500, d), isInvalidArgument(/'description'/), JSON.stringify(d));
    }
    assert.equal(headers(408, "  Request Timeout ").description, "Request Timeout");
    assert.equal(headers(500, "a\tb").description, "a\tb");
  });

  it("new MsgHdrsImpl applies the same checks", () => {
    assert.throws(() => new MsgHdrsImpl(500), isInvalidArgument());
    assert.throws(() => new MsgHdrsImpl(503, "x\r\ny: z"), isInvalidArgument());
    assert.equal(new MsgHdrsImpl(503, "No Responders").code, 503);
  });
});

describe("Match.Exact (default)", () => {
  it("is case sensitive and case preserving", () => {
    const h = impl();
    h.set("a", "a");
    assert.ok(h.has("a"));
    assert.ok(!h.has("A"));

    h.set("A", "A");
    assert.ok(h.has("A"));
    assert.equal(h.size(), 2);
    assert.deepEqual(h.keys(), ["a", "A"]);
    assert.equal(h.get("a"), "a");
    assert.deepEqual(h.values("a"), ["a"]);
    assert.equal(h.get("A"), "A");
    assert.deepEqual(h.values("A"), ["A"]);

    h.append("a", "aa");
    h.append("A", "AA");
    assert.equal(h.size(), 2);
    assert.deepEqual(h.values("a"), ["a", "aa"]);
    assert.deepEqual(h.values("A"), ["A", "AA"]);
    assert.equal(h.last("a"), "aa");
    assert.equal(h.get("a", Match.Exact), "a");

    h.delete("a");
    assert.ok(!h.has("a"));
    assert.ok(h.has("A"));

    h.set("A", "AAA");
    assert.deepEqual(h.values("A"), ["AAA"]);
    assert.deepEqual(h.keys(), ["A"]);
  });

  it("stores keys as given, not canonicalised", () => {
    const h = impl();
    h.set("x-foo-BAR", "1");
    assert.deepEqual(h.keys(), ["x-foo-BAR"]);
    assert.equal(wire(h), "NATS/1.0\r\nx-foo-BAR: 1\r\n\r\n");
  });

  it("missing keys give empty results", () => {
    const h = impl();
    h.set("a", "aa");
    for (const m of ALL_MATCHES) {
      assert.equal(h.get("foo", m), "");
      assert.equal(h.last("foo", m), "");
      assert.equal(h.has("foo", m), false);
      assert.deepEqual(h.values("foo", m), []);
      h.delete("foo", m);
    }
    assert.deepEqual(h.toRecord(), { a: ["aa"] });
  });

  it("last gives the last value", () => {
    const h = headers();
    h.set("a", "aa");
    h.append("b", "bb");
    h.append("b", "bbb");
    assert.equal(h.last("foo"), "");
    assert.equal(h.last("a"), "aa");
    assert.equal(h.last("b"), "bbb");
    assert.equal(h.get("b"), "bb");
  });

  it("append with exact case makes a second key", () => {
    const h = impl();
    h.set("a", "a");
    h.append("A", "b");
    assert.equal(h.size(), 2);
    assert.deepEqual(h.values("a"), ["a"]);
    assert.deepEqual(h.values("A"), ["b"]);
  });

  it("set replaces every value", () => {
    const h = impl();
    h.append("a", "1");
    h.append("a", "2");
    h.append("b", "3");
    h.set("a", "4");
    assert.deepEqual(h.values("a"), ["4"]);
    assert.deepEqual(h.toRecord(), { a: ["4"], b: ["3"] });
  });

  it("values() returns a copy", () => {
    const h = impl();
    h.set("a", "1");
    h.values("a").push("x\r\nInjected: y");
    assert.deepEqual(h.values("a"), ["1"]);
    assert.equal(wire(h), "NATS/1.0\r\na: 1\r\n\r\n");
  });
});

describe("Match.IgnoreCase", () => {
  it("set, has, values and delete ignore case", () => {
    const h = impl();
    h.set("a", "a", Match.IgnoreCase);
    // set replaces, and the new key is the one given
    h.set("A", "A", Match.IgnoreCase);
    assert.equal(h.size(), 1);
    assert.deepEqual(h.keys(), ["A"]);
    assert.ok(h.has("a", Match.IgnoreCase));
    assert.ok(h.has("A", Match.IgnoreCase));
    assert.equal(h.get("a", Match.IgnoreCase), "A");
    assert.equal(h.last("a", Match.IgnoreCase), "A");
    assert.deepEqual(h.values("a", Match.IgnoreCase), ["A"]);
    assert.deepEqual(h.values("A", Match.IgnoreCase), ["A"]);

    h.append("a", "aa");
    assert.equal(h.size(), 2);
    assert.deepEqual(h.values("a", Match.IgnoreCase).sort(), ["A", "aa"]);

    h.delete("a", Match.IgnoreCase);
    assert.equal(h.size(), 0);
  });

  it("append reuses the first existing key", () => {
    const h = impl();
    h.set("a", "a");
    h.append("A", "b", Match.IgnoreCase);
    assert.equal(h.size(), 1);
    assert.deepEqual(h.values("a"), ["a", "b"]);
    assert.equal(h.last("A", Match.IgnoreCase), "b");
  });

  it("get and last use the first matching key", () => {
    const h = impl();
    h.append("Foo", "1");
    h.append("Foo", "2");
    h.append("FOO", "3");
    assert.equal(h.get("foo", Match.IgnoreCase), "1");
    assert.equal(h.last("foo", Match.IgnoreCase), "2");
    assert.deepEqual(h.values("foo", Match.IgnoreCase), ["1", "2", "3"]);
    h.set("foo", "x", Match.IgnoreCase);
    assert.deepEqual(h.toRecord(), { foo: ["x"] });
  });
});

describe("Match.CanonicalMIME", () => {
  it("stores and finds the canonical key", () => {
    const h = impl();
    h.set("ab", "ab", Match.CanonicalMIME);
    assert.ok(!h.has("ab"));
    assert.ok(h.has("Ab"));
    assert.ok(h.has("aB", Match.CanonicalMIME));

    // set replaces
    h.set("aB", "A", Match.CanonicalMIME);
    assert.equal(h.size(), 1);
    assert.ok(h.has("Ab"));

    h.append("ab", "aa", Match.CanonicalMIME);
    assert.equal(h.size(), 1);
    assert.deepEqual(h.values("ab", Match.CanonicalMIME).sort(), ["A", "aa"]);
    assert.equal(h.get("AB", Match.CanonicalMIME), "A");
    assert.equal(h.last("AB", Match.CanonicalMIME), "aa");
    assert.deepEqual(h.keys(), ["Ab"]);

    h.delete("ab", Match.CanonicalMIME);
    assert.equal(h.size(), 0);
  });

  it("append canonical next to a non-canonical key makes a second key", () => {
    const h = impl();
    h.set("a", "a");
    h.append("A", "b", Match.CanonicalMIME);
    assert.equal(h.size(), 2);
    assert.deepEqual(h.values("a"), ["a"]);
    assert.deepEqual(h.values("A"), ["b"]);
  });

  it("matches only keys stored in canonical form", () => {
    const h = impl();
    h.set("nats-msg-id", "1");
    assert.equal(h.has("nats-msg-id", Match.CanonicalMIME), false);
    h.set("Nats-Msg-Id", "2");
    assert.equal(h.get("NATS-MSG-ID", Match.CanonicalMIME), "2");
  });

  it("lookups with an invalid key match nothing instead of throwing", () => {
    const h = impl();
    h.set("a", "1");
    assert.equal(h.has("bad key", Match.CanonicalMIME), false);
    assert.equal(h.get("bad:", Match.CanonicalMIME), "");
    assert.equal(h.last("\r\n", Match.CanonicalMIME), "");
    assert.deepEqual(h.values("é", Match.CanonicalMIME), []);
    h.delete("a b", Match.CanonicalMIME);
    assert.deepEqual(h.toRecord(), { a: ["1"] });
  });
});

describe("validation", () => {
  const badKeys = [
    "bad key",
    "bad:",
    ":",
    "a\r",
    "a\n",
    "a\r\nInjected",
    "a\tb",
    "\u007f",
    "\u0000",
    "é",
    "🙂",
    "",
  ];
  const badValues = [
    "\r",
    "\n",
    "a\rb",
    "a\nb",
    "a\r\nb",
    "\r\nInjected: x",
    "ok\r\n\r\nbody",
    "x\u0000",
    "\u001b[31mred",
    "\u007f",
    "\ud800",
    "a\udc00b",
    "\udbff\ud800",
  ];

  it("bad keys throw InvalidArgumentError and change nothing", () => {
    for (const m of ALL_MATCHES) {
      const h = impl(503, "No Responders");
      h.append("a", "1");
      h.append("a", "2");
      h.encode(); // warm the cache
      const before = snapshot(h);
      for (const k of badKeys) {
        assert.throws(() => h.set(k, "v", m), isInvalidArgument(/'header'/), `${m} ${JSON.stringify(k)}`);
        assert.throws(() => h.append(k, "v", m), isInvalidArgument(/'header'/), `${m} ${JSON.stringify(k)}`);
        assert.deepEqual(snapshot(h), before);
      }
    }
  });

  it("bad values throw InvalidArgumentError and change nothing", () => {
    for (const m of ALL_MATCHES) {
      const h = impl();
      h.append("A", "1");
      h.append("A", "2");
      h.encode();
      const before = snapshot(h);
      for (const v of badValues) {
        // set must not delete the old values before failing
        assert.throws(() => h.set("A", v, m), isInvalidArgument(/'header' values/), `${m} ${JSON.stringify(v)}`);
        assert.throws(() => h.append("A", v, m), isInvalidArgument(/'header' values/), `${m} ${JSON.stringify(v)}`);
        assert.deepEqual(snapshot(h), before);
      }
    }
  });

  it("keeps the official message for CR and LF", () => {
    const h = headers();
    assert.throws(() => h.set("a", "\r"), isInvalidArgument(/^'header' values cannot contain \\r or \\n$/));
    assert.throws(() => h.set("bad:", "a"), isInvalidArgument(/is not a valid character in a header name/));
    assert.throws(() => h.set("", "a"), isInvalidArgument(/^'header' name cannot be empty$/));
  });

  it("messages never contain the value", () => {
    const h = headers();
    const secret = "Bearer s3cr3t-token\u0000";
    assert.throws(() => h.set("Authorization", secret), (err: Error) => {
      assert.ok(!err.message.includes("s3cr3t"));
      return true;
    });
  });

  it("non-string keys and values throw a TypeError (as 3.4) that is also an InvalidArgumentError", () => {
    const h = headers();
    const wrongType = (err: Error) =>
      err instanceof TypeError && err instanceof InvalidArgumentError && /must be a string/.test(err.message) &&
      (err as { code?: string }).code === "NATS_INVALID_ARGUMENT";
    assert.throws(() => h.set(1 as unknown as string, "a"), wrongType);
    assert.throws(() => h.set("a", 5 as unknown as string), wrongType);
    assert.throws(() => headers(503, 7 as unknown as string), wrongType);
    assert.throws(() => h.append("a", undefined as unknown as string), wrongType);
    assert.throws(() => h.append(null as unknown as string, "a"), wrongType);
    assert.equal(h.keys().length, 0);
  });

  it("accepts tabs, colons and Unicode in values, and trims them", () => {
    const h = impl();
    h.set("a", "  spaced  ");
    h.set("b", "x\ty");
    h.set("c", "http://host:4222/a?b=c");
    h.set("d", "héllo 🙂 世界");
    h.set("e", "\t ");
    assert.deepEqual(h.toRecord(), {
      a: ["spaced"],
      b: ["x\ty"],
      c: ["http://host:4222/a?b=c"],
      d: ["héllo 🙂 世界"],
      e: [""],
    });
    assert.deepEqual(dec(wire(h)).toRecord(), h.toRecord());
  });

  it("accepts every printable ASCII key character", () => {
    let k = "";
    for (let c = 33; c <= 126; c++) if (c !== 58) k += String.fromCharCode(c);
    const h = impl();
    h.set(k, "v");
    assert.equal(dec(wire(h)).get(k), "v");
  });

  it("random inputs either throw InvalidArgumentError with no change, or encode exactly one line per value", () => {
    const rand = rng(42);
    const alphabet = ["a", "B", "-", ":", " ", "\t", "\r", "\n", "\u0000", "\u007f", "é", "\ud83d", "\ude42", "🙂", "1", "_"];
    const pick = (n: number) => {
      let s = "";
      const len = Math.floor(rand() * n);
      for (let i = 0; i < len; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
      return s;
    };
    const h = impl();
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const k = pick(6);
      const v = pick(8);
      const m = ALL_MATCHES[Math.floor(rand() * 3)];
      const before = snapshot(h);
      try {
        if (rand() < 0.5) h.append(k, v, m);
        else h.set(k, v, m);
        accepted++;
      } catch (err) {
        assert.ok(err instanceof InvalidArgumentError);
        assert.deepEqual(snapshot(h), before);
      }
      if (rand() < 0.05) h.delete(pick(3), Match.IgnoreCase);
    }
    assert.ok(accepted > 50, `only ${accepted} accepted`);
    const s = wire(h);
    const nValues = h.keys().reduce((n, k) => n + h.values(k).length, 0);
    // status line + one line per value + blank line; no CR or LF anywhere else
    assert.equal(s.split("\r\n").length - 1, nValues + 2);
    assert.ok(!/\r(?!\n)|(?<!\r)\n/.test(s));
    const back = dec(s);
    assert.deepEqual(back.toRecord(), h.toRecord());
    assert.equal(wire(back), s);
  });
});

describe("encode", () => {
  it("encodes an empty set as a valid empty block (as nats.go does)", () => {
    assert.equal(wire(headers()), "NATS/1.0\r\n\r\n");
    assert.deepEqual(
      impl().encode(),
      new Uint8Array([78, 65, 84, 83, 47, 49, 46, 48, 13, 10, 13, 10]),
    );
    assert.equal(impl().toString(), "NATS/1.0\r\n\r\n");
  });

  it("encodes the status line", () => {
    assert.equal(wire(headers(503, "No Responders")), "NATS/1.0 503 No Responders\r\n\r\n");
    assert.equal(wire(headers(408, "Request Timeout")), "NATS/1.0 408 Request Timeout\r\n\r\n");
    // a decoded code without description keeps its code
    assert.equal(wire(dec("NATS/1.0 503\r\n\r\n")), "NATS/1.0 503\r\n\r\n");
  });

  it("encodes one line per value, keys in insertion order", () => {
    const h = impl();
    h.set("a", "1");
    h.append("b", "2");
    h.append("b", "3");
    h.append("a", "4");
    assert.equal(wire(h), "NATS/1.0\r\na: 1\r\na: 4\r\nb: 2\r\nb: 3\r\n\r\n");
    assert.equal(h.toString(), wire(h));
  });

  it("encodes status and keys together", () => {
    const h = impl(100, "Idle Heartbeat");
    h.set("Nats-Last-Consumer", "1");
    h.set("Nats-Last-Stream", "2");
    assert.equal(
      wire(h),
      "NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 1\r\nNats-Last-Stream: 2\r\n\r\n",
    );
  });

  it("encodes Unicode as UTF-8", () => {
    const h = impl();
    h.set("a", "é");
    assert.deepEqual(
      [...h.encode()],
      [...te.encode("NATS/1.0\r\na: "), 0xc3, 0xa9, 13, 10, 13, 10],
    );
  });

  it("caches the bytes until the next mutation", () => {
    const h = impl();
    h.set("a", "1");
    const b1 = h.encode();
    assert.equal(h.encode(), b1);
    h.delete("missing");
    assert.equal(h.encode(), b1);
    h.append("a", "2");
    const b2 = h.encode();
    assert.notEqual(b2, b1);
    assert.equal(td.decode(b2), "NATS/1.0\r\na: 1\r\na: 2\r\n\r\n");
    h.set("a", "3");
    assert.equal(td.decode(h.encode()), "NATS/1.0\r\na: 3\r\n\r\n");
    h.delete("a");
    assert.equal(td.decode(h.encode()), "NATS/1.0\r\n\r\n");
    h.set("b", "x", Match.CanonicalMIME);
    assert.equal(td.decode(h.encode()), "NATS/1.0\r\nB: x\r\n\r\n");
    h.delete("b", Match.IgnoreCase);
    assert.equal(td.decode(h.encode()), "NATS/1.0\r\n\r\n");
  });
});

describe("decode", () => {
  it("decodes a no-responders status", () => {
    const h = dec("NATS/1.0 503\r\n\r\n");
    assert.equal(h.code, 503);
    assert.equal(h.description, "");
    assert.equal(h.status, "503");
    assert.equal(h.hasError, true);
    assert.equal(h.size(), 0);
  });

  it("decodes a status with a description", () => {
    const h = dec("NATS/1.0 408 Request Timeout\r\n\r\n");
    assert.equal(h.code, 408);
    assert.equal(h.description, "Request Timeout");
    assert.equal(h.status, "408 Request Timeout");
    assert.equal(h.hasError, true);
  });

  it("decodes statuses like the official tests", () => {
    const cases: Array<[number, string]> = [
      [0, ""],
      [200, ""],
      [200, "OK"],
      [503, "No Responders"],
      [404, "No Messages"],
    ];
    for (const [code, description] of cases) {
      const line = code ? `NATS/1.0 ${code} ${description}`.trim() : "NATS/1.0";
      const h = dec(`${line}\r\n\r\n\r\n`);
      assert.equal(h.code, code);
      assert.equal(h.description, description);
      assert.equal(h.hasError, code >= 300);
      if (code > 0) assert.equal(h.status, `${code} ${description}`.trim());
    }
  });

  it("keeps headers after a status line", () => {
    const h = dec("NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 1\r\nNats-Last-Stream: 1\r\n\r\n");
    assert.equal(h.code, 100);
    assert.equal(h.description, "Idle Heartbeat");
    assert.equal(h.get("Nats-Last-Consumer"), "1");
    assert.equal(h.get("Nats-Last-Stream"), "1");
  });

  it("tolerates a missing space after ':', extra spaces and a missing final CRLF", () => {
    assert.equal(dec("NATS/1.0\r\nA:A\r\n\r\n").get("A"), "A");
    assert.equal(dec("NATS/1.0\r\nA:   A   \r\n\r\n").get("A"), "A");
    assert.equal(dec("NATS/1.0\r\nA: x\r\n").get("A"), "x");
    assert.equal(dec("NATS/1.0\r\nA: x").get("A"), "x");
    assert.equal(dec("NATS/1.0 503").code, 503);
    assert.equal(dec("NATS/1.0\r\nA: a: b\r\n\r\n").get("A"), "a: b");
    assert.equal(dec("NATS/1.0\r\nA:\r\n\r\n").has("A"), true);
  });

  it("tolerates odd status lines like the official client", () => {
    let h = dec("NATS/1.0 \r\n\r\n");
    assert.equal(h.code, 0);
    assert.equal(h.description, "");
    h = dec("NATS/1.0  1 H\r\n\r\n");
    assert.equal(h.code, 1);
    assert.equal(h.description, "H");
    h = dec("NATS/1.0 503   No   Responders  \r\n\r\n");
    assert.equal(h.code, 503);
    assert.equal(h.description, "No   Responders");
    for (const line of ["NATS/1.0 abc", "NATS/1.0 503x", "NATS/1.0 5030 x", "NATS/1.0 000 zero", "NATS/1.0 -1 x"]) {
      h = dec(`${line}\r\n\r\n`);
      assert.equal(h.code, 0, line);
      assert.equal(h.description, "", line);
    }
    // a description with a bare LF is dropped, the code is kept
    h = dec("NATS/1.0 503 a\nInjected: x\r\n\r\n");
    assert.equal(h.code, 503);
    assert.equal(h.description, "");
  });

  it("ignores lines without ':' and lines with a bad key or value", () => {
    assert.equal(dec("NATS/1.0\r\nBAD\r\n\r\n\r\n").size(), 0);
    const h = dec(
      "NATS/1.0\r\n" +
        "Good: 1\r\n" +
        "Bad Key: x\r\n" +
        " Folded: x\r\n" +
        "K: a\nInjected: y\r\n" +
        "N: a\u0000b\r\n" +
        "é: x\r\n" +
        ": empty key\r\n" +
        "Good: 2\r\n\r\n",
    );
    assert.deepEqual(h.toRecord(), { Good: ["1", "2"] });
  });

  it("stops at the blank line that ends the block", () => {
    const h = dec("NATS/1.0\r\nA: 1\r\n\r\nB: 2\r\n\r\n");
    assert.deepEqual(h.toRecord(), { A: ["1"] });
  });

  it("treats a block that does not start with NATS/ as empty", () => {
    for (const s of [
      "",
      "NATS",
      "nats/1.0 503\r\n\r\n",
      "HTTP/1.1 200 OK\r\nA: b\r\n\r\n",
      " NATS/1.0 503\r\n\r\n",
      "\uFEFFNATS/1.0 503\r\nA: b\r\n\r\n",
      "A: b\r\n\r\n",
    ]) {
      const h = dec(s);
      assert.equal(h.code, 0, JSON.stringify(s));
      assert.equal(h.description, "");
      assert.equal(h.size(), 0);
    }
  });

  it("groups repeated keys and keeps case-distinct keys apart", () => {
    const h = dec("NATS/1.0\r\nA: 1\r\nB: 2\r\nA: 3\r\na: 4\r\n\r\n");
    assert.deepEqual(h.values("A"), ["1", "3"]);
    assert.deepEqual(h.keys(), ["A", "B", "a"]);
    assert.deepEqual(h.values("a", Match.IgnoreCase), ["1", "3", "4"]);
    assert.equal(wire(h), "NATS/1.0\r\nA: 1\r\nA: 3\r\nB: 2\r\na: 4\r\n\r\n");
  });

  it("decodes a view into a larger buffer", () => {
    const all = te.encode("HMSG x 1 16 16\r\nNATS/1.0 503\r\n\r\nrest");
    const start = all.indexOf(78); // 'N'
    const h = MsgHdrsImpl.decode(all.subarray(start, start + 16));
    assert.equal(h.code, 503);
  });

  it("decodes invalid UTF-8 without throwing", () => {
    const bytes = new Uint8Array([...te.encode("NATS/1.0\r\nA: "), 0xff, 0xfe, 0xc3, 13, 10, 13, 10]);
    const h = MsgHdrsImpl.decode(bytes);
    assert.equal(h.get("A"), "\ufffd\ufffd\ufffd");
  });

  it("never throws on random bytes, and what it returns re-encodes stably", () => {
    const rand = rng(7);
    const prefix = te.encode("NATS/1.0");
    const pool = te.encode("NATS/1.0 503 :AaZz-\r\n\t é\u0000\u007f");
    for (let i = 0; i < 5000; i++) {
      const len = Math.floor(rand() * 64);
      const b = new Uint8Array(len + (i % 2 ? prefix.length : 0));
      let o = 0;
      if (i % 2) {
        b.set(prefix);
        o = prefix.length;
      }
      for (let j = o; j < b.length; j++) {
        b[j] = i % 3 ? pool[Math.floor(rand() * pool.length)] : Math.floor(rand() * 256);
      }
      const h = MsgHdrsImpl.decode(b);
      const again = MsgHdrsImpl.decode(h.encode());
      assert.ok(again.equals(h));
      assert.equal(again.description, h.description);
      assert.deepEqual(again.toRecord(), h.toRecord());
      assert.deepEqual(again.encode(), h.encode());
    }
  });
});

describe("round trips", () => {
  it("decode(encode(h)) equals h", () => {
    const h = impl(409, "Consumer Deleted");
    h.set("Nats-Msg-Id", "abc");
    h.append("multi", "1");
    h.append("multi", "2");
    h.append("Multi", "3");
    h.set("unicode", "日本語 ✓");
    h.set("tab", "a\tb");
    h.set("empty", "");
    const back = dec(wire(h));
    assert.ok(back.equals(h));
    assert.ok(h.equals(back));
    assert.equal(back.code, 409);
    assert.equal(back.description, "Consumer Deleted");
    assert.deepEqual(back.toRecord(), h.toRecord());
    assert.deepEqual(back.keys(), h.keys());
  });

  it("encode(decode(bytes)) gives the same bytes for well-formed blocks", () => {
    for (const s of [
      "NATS/1.0\r\n\r\n",
      "NATS/1.0 503\r\n\r\n",
      "NATS/1.0 408 Request Timeout\r\n\r\n",
      "NATS/1.0 100 FlowControl Request\r\nNats-Consumer-Stalled: x.y\r\n\r\n",
      "NATS/1.0\r\na: 1\r\na: 2\r\nB: 3\r\n\r\n",
    ]) {
      assert.equal(wire(dec(s)), s);
    }
  });
});

describe("iteration", () => {
  it("yields [key, values] in insertion order", () => {
    const h = headers();
    h.set("a", "aa");
    h.set("b", "bb");
    h.append("c", "cc");
    h.append("c", "ccc");
    assert.deepEqual([...h], [["a", ["aa"]], ["b", ["bb"]], ["c", ["cc", "ccc"]]]);
    let n = 0;
    for (const [k, v] of h) {
      assert.equal(v[0], `${k}${k}`);
      n++;
    }
    assert.equal(n, 3);
  });

  it("yields copies, so the set cannot be changed behind its back", () => {
    const h = impl();
    h.set("a", "1");
    const before = wire(h);
    for (const [, v] of h) v.push("x\r\nInjected: y");
    assert.deepEqual(h.values("a"), ["1"]);
    assert.equal(wire(h), before);
    assert.equal(td.decode(h.encode()), before);
  });

  it("an empty set yields nothing", () => {
    assert.deepEqual([...headers()], []);
  });
});

describe("toRecord / fromRecord / equals / size", () => {
  it("converts to and from a record", () => {
    const h = headers();
    h.set("a", "aa");
    h.append("b", "bb");
    h.append("b", "bbb");
    const r = (h as MsgHdrsImpl).toRecord();
    assert.deepEqual(r, { a: ["aa"], b: ["bb", "bbb"] });

    const hr = MsgHdrsImpl.fromRecord(r);
    assert.equal(hr.get("foo"), "");
    assert.equal(hr.get("a"), "aa");
    assert.equal(hr.get("b"), "bb");
    assert.equal(hr.last("b"), "bbb");
    assert.ok(hr.equals(h));

    // the record's arrays are copies
    r.a.push("zz");
    assert.deepEqual(h.values("a"), ["aa"]);
  });

  it("fromRecord normalises non-array values", () => {
    const hr = MsgHdrsImpl.fromRecord({ a: "x", d: 1 } as unknown as Record<string, string[]>);
    assert.equal(hr.get("a"), "x");
    assert.equal(hr.get("d"), "1");
    assert.deepEqual(hr.toRecord(), { a: ["x"], d: ["1"] });
  });

  it("fromRecord validates keys and values", () => {
    assert.throws(() => MsgHdrsImpl.fromRecord({ "bad key": ["x"] }), isInvalidArgument());
    assert.throws(() => MsgHdrsImpl.fromRecord({ a: ["ok", "x\r\nInjected: y"] }), isInvalidArgument());
    assert.throws(() => MsgHdrsImpl.fromRecord({ "": ["x"] }), isInvalidArgument());
  });

  it("fromRecord leaves out keys with no values", () => {
    const hr = MsgHdrsImpl.fromRecord({ a: [], b: ["1"] });
    assert.deepEqual(hr.keys(), ["b"]);
  });

  it("a '__proto__' key stays an ordinary key", () => {
    const h = impl();
    h.set("__proto__", "x");
    const r = h.toRecord();
    assert.deepEqual(Object.keys(r), ["__proto__"]);
    assert.equal(Object.getPrototypeOf(r), Object.prototype);
    assert.deepEqual(MsgHdrsImpl.fromRecord(r).toRecord(), r);
  });

  it("equals compares code, keys and values in any order", () => {
    const a = impl();
    const b = impl();
    assert.ok(a.equals(b));

    a.set("a", "b");
    b.set("a", "b");
    assert.ok(a.equals(b));

    b.append("a", "bb");
    assert.ok(!a.equals(b));

    a.append("a", "cc");
    assert.ok(!a.equals(b));

    const x = impl();
    x.append("k", "1");
    x.append("k", "2");
    const y = impl();
    y.append("k", "2");
    y.append("k", "1");
    assert.ok(x.equals(y));

    assert.ok(!impl(503, "x").equals(impl()));
    // as in the official client, the description is not compared
    assert.ok(impl(503, "x").equals(impl(503, "y")));
    // keys are compared exactly
    const u = impl();
    u.set("K", "1");
    const l = impl();
    l.set("k", "1");
    assert.ok(!u.equals(l));
    assert.ok(!u.equals(null as unknown as MsgHdrs));
  });

  it("not equal to an empty set", () => {
    const h = impl();
    h.set("a", "aa");
    h.append("b", "bb");
    h.append("b", "bbb");
    assert.ok(!h.equals(headers()));
  });

  it("size counts keys, not values", () => {
    const h = impl();
    assert.equal(h.size(), 0);
    h.append("a", "1");
    h.append("a", "2");
    h.append("b", "3");
    assert.equal(h.size(), 2);
  });
});
