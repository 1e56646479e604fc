/** "just now", "5 min ago", "3 h ago", "2 days ago", or the date for older ones. */
export function relativeTime(date: Date | undefined | null, now = Date.now()): string {
  if (!(date instanceof Date)) return '';
  const s = Math.max(0, (now - date.getTime()) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  if (s < 7 * 86400) return `${Math.floor(s / 86400)} day${s < 2 * 86400 ? '' : 's'} ago`;
  return date.toLocaleDateString();
}

/** Brands found on a stream (those with on-screen seconds or said aloud). */
export function brandCount(brands: Record<string, { seconds?: number; mentions?: number }> | undefined): number {
  return Object.values(brands ?? {}).filter((b) => (b.seconds ?? 0) > 0 || (b.mentions ?? 0) > 0).length;
}
