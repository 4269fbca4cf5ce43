/**
 * A report as sections of lines, tables and preformatted text, drawn for the terminal or as
 * Markdown for a change ticket. The content is built once (`rollout-report.ts`); only the drawing differs.
 */

/** One part of a section. */
export type ReportBlock =
  | { kind: 'lines'; lines: string[] }
  | { kind: 'table'; head: string[]; rows: string[][] }
  /** Kept as it is: aligned text such as drain curves. */
  | { kind: 'pre'; lines: string[] };

/** A titled part of the report. */
export interface ReportSection {
  title: string;
  blocks: ReportBlock[];
}

/** The whole report. */
export interface Report {
  title: string;
  sections: ReportSection[];
}

function padTable(head: string[], rows: string[][]): string[] {
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

function textBlock(b: ReportBlock): string[] {
  if (b.kind === 'table') return padTable(b.head, b.rows).map((l) => `  ${l}`);
  return b.lines.map((l) => (l ? `  ${l}` : ''));
}

/** The report for the terminal: titles, then indented lines and aligned tables. */
export function renderReportText(r: Report): string {
  const out = [r.title, '='.repeat(r.title.length)];
  for (const s of r.sections) {
    out.push('', s.title);
    s.blocks.forEach((b, i) => out.push(...(i ? [''] : []), ...textBlock(b)));
  }
  return `${out.join('\n')}\n`;
}

function mdCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
}

function mdBlock(b: ReportBlock): string[] {
  switch (b.kind) {
    case 'table':
      return [`| ${b.head.map(mdCell).join(' | ')} |`, `|${b.head.map(() => '---').join('|')}|`, ...b.rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`), ''];
    case 'pre':
      return ['```text', ...b.lines, '```', ''];
    case 'lines':
      return [...b.lines.map((l) => (l ? `- ${l}` : '')), ''];
  }
}

/** The report as Markdown: a level-1 title, level-2 sections, pipe tables and fenced curves. */
export function renderReportMarkdown(r: Report): string {
  const out = [`# ${r.title}`, ''];
  for (const s of r.sections) out.push(`## ${s.title}`, '', ...s.blocks.flatMap(mdBlock));
  while (out.at(-1) === '') out.pop();
  return `${out.join('\n')}\n`;
}
