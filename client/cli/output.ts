/** Formatting for people: sizes, rates, the per-file progress line. */

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** `name  [#######---------]  45%  18.0 MiB/40.0 MiB` within `width` columns. */
export function progressLine(name: string, loaded: number, total: number, width = 80): string {
  const percent = total === 0 ? 100 : Math.floor((loaded / total) * 100);
  const tail = ` ${String(percent).padStart(3)}%  ${formatBytes(loaded)}/${formatBytes(total)}`;
  const barWidth = 20;
  const filled = Math.round((percent / 100) * barWidth);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]`;
  const room = Math.max(8, width - bar.length - tail.length - 3);
  const label = name.length > room ? `${name.slice(0, room - 1)}…` : name.padEnd(room);
  return `${label} ${bar}${tail}`;
}

/** Rows as aligned columns. */
export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}
