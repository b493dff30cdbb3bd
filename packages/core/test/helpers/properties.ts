/**
 * What the property test files (parser.property.test.ts,
 * validation.property.test.ts) share: the seed, and how a named property
 * becomes a test.
 */
import { describe, it } from "node:test";
import fc from "fast-check";

export const SEED = Number(process.env.QUICKNATS_FUZZ_SEED ?? 0x6e617473); // "nats"

/** A property, and how many cases `npm test` runs (the fuzz script runs it for a time instead). */
export interface NamedProperty {
  name: string;
  runs: number;
  property: fc.IProperty<unknown>;
}

/** `check` as a property of `arb` that calls `tick` first in every case (the fuzz script's watchdog). */
export function tickingProperty<T>(tick: () => void, arb: fc.Arbitrary<T>, check: (v: T) => void): fc.IProperty<unknown> {
  return fc.property(arb, (v) => {
    tick();
    check(v);
  }) as unknown as fc.IProperty<unknown>;
}

/** Where a property check reports its count and time. */
export interface Diagnostics {
  diagnostic(message: string): void;
}

/** Checks `property` with the seed for `runs` cases, then reports the count and time on `t`. */
export async function checkProperty(
  t: Diagnostics,
  name: string,
  runs: number,
  property: fc.IProperty<unknown> | fc.IAsyncProperty<unknown>,
): Promise<void> {
  const started = performance.now();
  await fc.assert(property, { seed: SEED, numRuns: runs });
  t.diagnostic(`${name}: ${runs} cases, seed ${SEED}, ${(performance.now() - started).toFixed(0)} ms`);
}

/** A describe() with one test per property, named with its case count. */
export function describeProperties(title: string, properties: NamedProperty[]): void {
  describe(title, () => {
    for (const { name, runs, property } of properties) {
      it(`${name}: ${runs} cases`, (t) => checkProperty(t, name, runs, property));
    }
  });
}
