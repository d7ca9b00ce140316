import { num } from './table.tsx';
import { dollars } from './ui.tsx';

// Charts as plain SVG: horizontal bars for categories (a funnel's stages, spend by source) and
// columns over time (spend by day). Each chart is an image with a text alternative, and every
// figure it draws is also in the table beside it, so nothing is only in the picture.

export interface Bar { label: string; value: number; note?: string; tone?: 'a' | 'b' | 'c' }

const fmt = (v: number, unit?: 'cents') => (unit === 'cents' ? dollars(v / 100) : num(v));

/** One bar per row, longest = widest; each labelled with its value and an optional note. */
export function Bars({ title, rows, unit }: { title: string; rows: Bar[]; unit?: 'cents' }) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  const h = 26;
  const labelW = 150;
  const width = 640;
  const barW = width - labelW - 170;
  return (
    <svg className="chart" role="img" aria-label={`${title}: ${rows.map((r) => `${r.label} ${fmt(r.value, unit)}`).join(', ')}`}
      viewBox={`0 0 ${width} ${rows.length * h + 8}`} preserveAspectRatio="xMinYMin meet">
      <title>{title}</title>
      {rows.map((r, i) => {
        const w = Math.max(r.value > 0 ? 2 : 0, (r.value / max) * barW);
        return (
          <g key={r.label} transform={`translate(0 ${i * h + 4})`}>
            <text x={labelW - 8} y={h / 2 + 4} textAnchor="end" className="label">{r.label.length > 22 ? `${r.label.slice(0, 21)}…` : r.label}</text>
            <rect x={labelW} y={3} width={w} height={h - 8} rx={3} className={`bar ${r.tone ?? 'a'}`} />
            <text x={labelW + w + 6} y={h / 2 + 4} className="value">{fmt(r.value, unit)}{r.note ? ` · ${r.note}` : ''}</text>
          </g>
        );
      })}
    </svg>
  );
}

/** Columns over days, with the first and last date under them and the highest value as the scale. */
export function Columns({ title, points, unit }: { title: string; points: { day: string; value: number }[]; unit?: 'cents' }) {
  const max = Math.max(1, ...points.map((p) => p.value));
  const width = 640;
  const height = 160;
  const step = width / Math.max(1, points.length);
  return (
    <svg className="chart" role="img" aria-label={`${title}: ${points.length} days, highest ${fmt(max, unit)}`} viewBox={`0 0 ${width} ${height + 22}`}>
      <title>{title}</title>
      <line x1={0} x2={width} y1={height} y2={height} className="axis" />
      <text x={0} y={12} className="value">{fmt(max, unit)}</text>
      {points.map((p, i) => {
        const h = (p.value / max) * (height - 18);
        return <rect key={p.day} x={i * step + step * 0.15} y={height - h} width={Math.max(1, step * 0.7)} height={h} className="bar a"><title>{`${p.day}: ${fmt(p.value, unit)}`}</title></rect>;
      })}
      {points.length ? <text x={0} y={height + 16} className="label">{points[0]!.day}</text> : null}
      {points.length > 1 ? <text x={width} y={height + 16} textAnchor="end" className="label">{points.at(-1)!.day}</text> : null}
    </svg>
  );
}

/** How much of an allowance is used: a bar that turns amber past 80% and red when it is used up. */
export function Meter({ label, used, limit }: { label: string; used: number; limit: number | null }) {
  const share = limit ? Math.min(1, used / limit) : 0;
  const tone = !limit ? 'a' : share >= 1 ? 'bad' : share >= 0.8 ? 'warn' : 'a';
  return (
    <div className="meter">
      <span>{label}: <strong>{num(used)}</strong>{limit ? ` of ${num(limit)}` : ' (no limit)'}</span>
      {limit ? <div className="track" role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={limit} aria-valuenow={used}><div className={`fill ${tone}`} style={{ width: `${share * 100}%` }} /></div> : null}
    </div>
  );
}
