/**
 * Peak resident set size during a measurement. A timer samples every 10 ms,
 * but timers cannot fire while a synchronous publish loop runs, so the loops
 * also call sample() every 8192 messages.
 */
export class RssSampler {
  baseline = 0;
  peak = 0;
  private timer: NodeJS.Timeout | undefined;

  /** Takes the baseline (after connect and setup) and starts the timer. */
  start(): void {
    this.baseline = process.memoryUsage.rss();
    this.peak = this.baseline;
    this.timer = setInterval(() => this.sample(), 10);
  }

  sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.peak) this.peak = rss;
  }

  /** Stops the timer; returns the peak growth over the baseline, in bytes. */
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peak - this.baseline;
  }
}
