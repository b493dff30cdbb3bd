export type SyncIterator<T> = {
  /** the next value, or null when the source is done */
  next(): Promise<T | null>;
};

/** Pulls values from an async iterable one call at a time. */
export function syncIterator<T>(src: AsyncIterable<T>): SyncIterator<T> {
  const iter = src[Symbol.asyncIterator]();
  return {
    async next(): Promise<T | null> {
      const r = await iter.next();
      return r.done ? null : r.value;
    },
  };
}
