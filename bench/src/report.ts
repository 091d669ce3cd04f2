// Every benchmark writes the same two artefacts: a JSON file for machines and a readable table for people.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const resultsDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'results');

export type Row = Record<string, string | number | null>;

function formatCell(value: string | number | null): string {
  if (value === null) return '—';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value);
    if (Number.isInteger(value)) return String(value);
    return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toFixed(4);
  }
  return value;
}

/** A markdown table: column order follows the first row's keys. */
export function markdownTable(rows: Row[]): string {
  if (rows.length === 0) return '(no rows)';
  const columns = Object.keys(rows[0]);
  const cells = rows.map((row) => columns.map((c) => formatCell(row[c] ?? null)));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (values: string[]) => `| ${values.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  return [line(columns), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...cells.map(line)].join('\n');
}

/** Writes bench/results/<name>.json and <name>.md, prints the table, and returns the paths. */
export function writeReport(name: string, title: string, data: unknown, tables: Record<string, Row[]>): { json: string; md: string } {
  mkdirSync(resultsDir, { recursive: true });
  const json = join(resultsDir, `${name}.json`);
  const md = join(resultsDir, `${name}.md`);
  writeFileSync(json, JSON.stringify({ name, generatedAt: new Date().toISOString(), node: process.version, data }, null, 2));
  const body = Object.entries(tables).map(([heading, rows]) => `## ${heading}\n\n${markdownTable(rows)}\n`).join('\n');
  writeFileSync(md, `# ${title}\n\n${body}`);
  console.log(`\n# ${title}\n\n${body}\nwrote ${json}\nwrote ${md}`);
  return { json, md };
}

/** A one-line progress indicator on stderr for long runs. */
export function progress(label: string, done: number, total: number): void {
  const width = 24;
  const filled = Math.round((done / Math.max(total, 1)) * width);
  process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
  if (done >= total) process.stderr.write('\n');
}
