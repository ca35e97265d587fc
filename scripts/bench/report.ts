// The human-readable report: one table per section, figure beside its target and consul-template's.
import { meetsTarget, type Figure, type Section } from './figures.ts';

export function formatReport(sections: readonly Section[], header: readonly string[]): string {
  const lines = [...header, ''];
  for (const section of sections) {
    lines.push(section.title);
    const labelWidth = Math.max(...section.figures.map((figure) => figure.label.length));
    // A mode that could not run here has only its note.
    if (section.figures.length > 0) lines.push(`  ${'figure'.padEnd(labelWidth)}  ${'measured'.padStart(12)}  ${'target'.padEnd(10)} ${'   '}  consul-template`);
    for (const figure of section.figures) {
      const verdict = meetsTarget(figure);
      const mark = verdict === undefined ? '   ' : verdict ? 'ok ' : 'MISSED';
      lines.push(`  ${figure.label.padEnd(labelWidth)}  ${formatValue(figure).padStart(12)}  ${formatTarget(figure).padEnd(10)} ${mark.padEnd(6)} ${figure.reference ?? ''}`.trimEnd());
    }
    for (const note of section.notes) lines.push(`  * ${note}`);
    lines.push('');
  }
  const missed = sections.flatMap((section) => section.figures.filter((figure) => meetsTarget(figure) === false).map((figure) => `${section.title}: ${figure.label}`));
  lines.push(missed.length === 0 ? 'All targets met.' : `Targets missed (${missed.length}):`);
  for (const miss of missed) lines.push(`  - ${miss}`);
  return lines.join('\n');
}

function formatValue(figure: Figure): string {
  if (figure.value === undefined) return 'n/a';
  return `${round(figure.value)} ${figure.unit}`;
}

function formatTarget(figure: Figure): string {
  const { target } = figure;
  if (!target) return '';
  const parts = [];
  if (target.atLeast !== undefined) parts.push(`≥ ${target.atLeast} ${figure.unit}`);
  if (target.atMost !== undefined) parts.push(`≤ ${target.atMost} ${figure.unit}`);
  return parts.join(', ');
}

/** Three significant digits for small numbers, whole numbers from 100 up. */
function round(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return Math.round(value).toString();
  return Number(value.toPrecision(3)).toString();
}
