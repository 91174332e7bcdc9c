/** A byte count as people read it: 1 decimal from KB on, binary units as the service's limits are. */
export function formatSize(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** An upload's progress as a label next to its bar. */
export function formatProgress(loaded: number, total: number): string {
  const percent = total > 0 ? Math.floor((loaded / total) * 100) : 100;
  return `${percent}% · ${formatSize(loaded)} of ${formatSize(total)}`;
}
