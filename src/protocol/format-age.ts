/**
 * A human age: `42s`, `5m10s`, `3h2m`, `2d4h`. Shared by the CLI (`lock-info`, `locks`) and the
 * stale-lock monitor; it imports nothing, so the CLI's start-up and the monitor's bundle stay small.
 */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${m % 60}m`;
  return `${Math.floor(h / 24)}d${h % 24}h`;
}
