/** A duration as Go's time.Duration prints it ("10s", "1m20s", "5m0s"), which Kubernetes messages embed. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const totalS = ms / 1000;
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = totalS % 60;
  const sec = Number.isInteger(s) ? String(s) : s.toFixed(3).replace(/0+$/, '');
  if (h > 0) return `${h}h${m}m${sec}s`;
  if (m > 0) return `${m}m${sec}s`;
  return `${sec}s`;
}
