/**
 * A bar chart as SVG text, with no library: groups of bars, a whisker per bar for the
 * spread over runs, and optional goal lines. Enough for the benchmark pages; it renders in
 * any browser and on GitHub.
 */
export interface Bar {
  label: string;
  value: number;
  low?: number;
  high?: number;
}

export interface BarGroup {
  label: string;
  bars: Bar[];
}

export interface BarChart {
  title: string;
  yLabel: string;
  yMax: number;
  groups: BarGroup[];
  goals?: Array<{ value: number; label: string }>;
  /** Text under a bar's value, e.g. "%"; default none. */
  unit?: string;
}

const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1'];

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function barChartSvg(chart: BarChart): string {
  const barWidth = 14;
  const gap = 18;
  const left = 56;
  const top = 36;
  const plotHeight = 220;
  const seriesLabels = [...new Set(chart.groups.flatMap((g) => g.bars.map((b) => b.label)))];
  const groupWidth = (g: BarGroup) => g.bars.length * barWidth + gap;
  const plotWidth = chart.groups.reduce((w, g) => w + groupWidth(g), gap);
  const width = left + plotWidth + 20;
  const legendTop = top + plotHeight + 56;
  const height = legendTop + 18 * Math.ceil(seriesLabels.length / 4) + 10;
  const y = (v: number) => top + plotHeight - (Math.max(0, Math.min(v, chart.yMax)) / chart.yMax) * plotHeight;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="18" font-size="14" font-weight="bold">${escapeXml(chart.title)}</text>`,
    `<text x="12" y="${top + plotHeight / 2}" transform="rotate(-90 12 ${top + plotHeight / 2})" text-anchor="middle">${escapeXml(chart.yLabel)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = (chart.yMax * i) / 4;
    out.push(`<line x1="${left}" x2="${left + plotWidth}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`, `<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${+v.toFixed(1)}</text>`);
  }
  let x = left + gap;
  for (const group of chart.groups) {
    for (const bar of group.bars) {
      const color = COLORS[seriesLabels.indexOf(bar.label) % COLORS.length];
      out.push(`<rect x="${x}" y="${y(bar.value)}" width="${barWidth - 2}" height="${top + plotHeight - y(bar.value)}" fill="${color}"><title>${escapeXml(`${group.label}, ${bar.label}: ${+bar.value.toFixed(2)}${chart.unit ?? ''}`)}</title></rect>`);
      if (bar.low !== undefined && bar.high !== undefined && bar.high > bar.low) {
        const cx = x + (barWidth - 2) / 2;
        out.push(`<line x1="${cx}" x2="${cx}" y1="${y(bar.low)}" y2="${y(bar.high)}" stroke="black"/>`);
      }
      x += barWidth;
    }
    const cx = x - (group.bars.length * barWidth) / 2;
    out.push(`<text x="${cx}" y="${top + plotHeight + 14}" text-anchor="end" transform="rotate(-35 ${cx} ${top + plotHeight + 14})">${escapeXml(group.label)}</text>`);
    x += gap;
  }
  for (const goal of chart.goals ?? []) {
    out.push(`<line x1="${left}" x2="${left + plotWidth}" y1="${y(goal.value)}" y2="${y(goal.value)}" stroke="#c00" stroke-dasharray="4 3"/>`, `<text x="${left + plotWidth}" y="${y(goal.value) - 3}" text-anchor="end" fill="#c00">${escapeXml(goal.label)}</text>`);
  }
  out.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotHeight}" stroke="black"/>`, `<line x1="${left}" x2="${left + plotWidth}" y1="${top + plotHeight}" y2="${top + plotHeight}" stroke="black"/>`);
  seriesLabels.forEach((label, i) => {
    const lx = left + (i % 4) * 150;
    const ly = legendTop + 18 * Math.floor(i / 4);
    out.push(`<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/>`, `<text x="${lx + 14}" y="${ly}">${escapeXml(label)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
