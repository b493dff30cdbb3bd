/** CPU time of this process (process.cpuUsage) and of another one (/proc/<pid>/stat). */
import { readFileSync } from "node:fs";

/** Linux USER_HZ: /proc/<pid>/stat counts CPU time in these ticks (100 on every common build). */
const CLK_TCK = 100;

/** utime + stime of `pid` in microseconds, or NaN where /proc is unavailable. */
export function procCpuMicros(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "<pid> (<comm>) <state> ...": comm may hold spaces, so count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of stat(5); fields[0] here is field 3 (state)
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1e6) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** CPU microseconds (user + system) this process used since `since`. */
export function selfCpuMicros(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return d.user + d.system;
}
