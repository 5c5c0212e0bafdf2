// Draws an experiment's plot (core/ml/experiments/result-types.ts) as a PNG
// with @napi-rs/canvas: axes with ticks, linear or log10 scales, grid, one
// coloured line per series (with markers when sparse) and a legend on the
// right. Hand-written rather than chart.js: no DOM, no dev-only dependency,
// and the output is the same on every machine that has a sans-serif font.
import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import type { PlotAxis, ResultPlot } from '../ml/experiments/result-types.ts';

const WIDTH = 1000;
const HEIGHT = 600;
/** Plot area margins: title above, tick labels and axis titles left and below, legend right. */
const M = { top: 56, right: 230, bottom: 70, left: 90 };
const FONT = '"DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif';
/** Tableau 10: distinguishable, and kind to colour-blind readers. */
const COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
/** Series with at most this many points get a marker on every point. */
const MARKER_LIMIT = 40;

interface Scale {
  min: number;
  max: number;
  log: boolean;
  ticks: number[];
  /** Data value -> pixel. */
  at(v: number): number;
}

/** Renders `plot` to PNG bytes. */
export function renderPlotPng(plot: ResultPlot): Uint8Array {
  const canvas = createCanvas(WIDTH, HEIGHT);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, WIDTH, HEIGHT);
  const area = { x0: M.left, x1: WIDTH - M.right, y0: HEIGHT - M.bottom, y1: M.top };

  text(ctx, plot.title, (area.x0 + area.x1) / 2, 30, { size: 18, bold: true, align: 'center' });
  // Points a log axis cannot show (≤ 0) are dropped, as the axis flag promises.
  const series = plot.series.map((s) => ({
    name: s.name,
    points: s.points.filter(([x, y]) => (!plot.x.log || x > 0) && (!plot.y.log || y > 0) && Number.isFinite(x) && Number.isFinite(y)),
  }));
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));

  ctx.strokeStyle = '#444444';
  ctx.lineWidth = 1;
  ctx.strokeRect(area.x0 + 0.5, area.y1 + 0.5, area.x1 - area.x0, area.y0 - area.y1);
  axisTitles(ctx, plot, area);
  if (xs.length === 0) {
    text(ctx, 'no data to plot', (area.x0 + area.x1) / 2, (area.y0 + area.y1) / 2, { size: 15, align: 'center', colour: '#777777' });
    return canvas.toBuffer('image/png');
  }
  const sx = scale(plot.x, xs, area.x0, area.x1, 0.02);
  const sy = scale(plot.y, ys, area.y0, area.y1, 0.05);
  gridAndTicks(ctx, sx, sy, area);

  ctx.save();
  ctx.beginPath();
  ctx.rect(area.x0, area.y1, area.x1 - area.x0, area.y0 - area.y1);
  ctx.clip();
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    ctx.strokeStyle = colour;
    ctx.fillStyle = colour;
    ctx.lineWidth = 2;
    ctx.lineJoin = 'round';
    ctx.beginPath();
    s.points.forEach(([x, y], j) => (j === 0 ? ctx.moveTo(sx.at(x), sy.at(y)) : ctx.lineTo(sx.at(x), sy.at(y))));
    ctx.stroke();
    if (s.points.length <= MARKER_LIMIT) {
      for (const [x, y] of s.points) {
        ctx.beginPath();
        ctx.arc(sx.at(x), sy.at(y), 3.5, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
  });
  ctx.restore();
  legend(
    ctx,
    series.map((s) => s.name),
    area.x1 + 16,
    area.y1,
  );
  return canvas.toBuffer('image/png');
}

function text(
  ctx: SKRSContext2D,
  s: string,
  x: number,
  y: number,
  o: {
    size?: number;
    bold?: boolean;
    align?: 'left' | 'right' | 'center';
    baseline?: 'alphabetic' | 'middle' | 'top';
    colour?: string;
  } = {},
): void {
  ctx.font = `${o.bold ? 'bold ' : ''}${o.size ?? 13}px ${FONT}`;
  ctx.fillStyle = o.colour ?? '#222222';
  ctx.textAlign = o.align ?? 'left';
  ctx.textBaseline = o.baseline ?? 'alphabetic';
  ctx.fillText(s, x, y);
}

function axisTitles(ctx: SKRSContext2D, plot: ResultPlot, area: { x0: number; x1: number; y0: number; y1: number }): void {
  const tag = (a: PlotAxis) => (a.log ? `${a.label} (log scale)` : a.label);
  text(ctx, tag(plot.x), (area.x0 + area.x1) / 2, HEIGHT - 20, { size: 14, align: 'center' });
  ctx.save();
  ctx.translate(24, (area.y0 + area.y1) / 2);
  ctx.rotate(-Math.PI / 2);
  text(ctx, tag(plot.y), 0, 0, { size: 14, align: 'center', baseline: 'middle' });
  ctx.restore();
}

/** A scale over the data with round ticks and `pad` (a fraction of the span) of room at both ends, so lines and markers do not touch the frame. */
function scale(axis: PlotAxis, values: number[], p0: number, p1: number, pad: number): Scale {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (axis.log) {
    let a = Math.log10(lo);
    let b = Math.log10(hi);
    if (b - a < 1e-9) {
      a -= 0.5;
      b += 0.5;
    } else {
      const m = (b - a) * pad;
      a -= m;
      b += m;
    }
    const ticks = logTicks(a, b);
    return { min: a, max: b, log: true, ticks, at: (v) => p0 + ((Math.log10(v) - a) / (b - a)) * (p1 - p0) };
  }
  if (hi - lo < 1e-12 * Math.max(1, Math.abs(hi))) {
    const m = Math.abs(hi) > 0 ? Math.abs(hi) * 0.1 : 1;
    lo -= m;
    hi += m;
  } else {
    const m = (hi - lo) * pad;
    lo -= m;
    hi += m;
  }
  const ticks = linearTicks(lo, hi);
  return { min: lo, max: hi, log: false, ticks, at: (v) => p0 + ((v - lo) / (hi - lo)) * (p1 - p0) };
}

/** About six ticks at 1, 2 or 5 × 10ⁿ. */
export function linearTicks(lo: number, hi: number, target = 6): number[] {
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  // The round step whose tick count is nearest the target (the first step ≥ raw can leave only two).
  const step = [1, 2, 5, 10]
    .map((f) => f * mag)
    .reduce((best, s) => (Math.abs((hi - lo) / s - target) < Math.abs((hi - lo) / best - target) ? s : best));
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    ticks.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return ticks;
}

/** Decades inside [10^a, 10^b]; 2 and 5 between them when the span is short (every integer mantissa below one decade), every other decade when it is long. Returns values (not logs). */
export function logTicks(a: number, b: number): number[] {
  const span = b - a;
  const ticks: number[] = [];
  const every = span > 10 ? Math.ceil(span / 8) : 1;
  // Number('1e-4'), not 10 ** -4, which is 0.00009999999999999999 in V8.
  const decade = (e: number) => Number(`1e${e}`);
  for (let e = Math.ceil(a - 1e-9); e <= b + 1e-9; e += every) ticks.push(decade(e));
  if (span < 2.5) {
    for (let e = Math.floor(a); e <= Math.ceil(b); e++)
      for (const f of span < 1 ? [2, 3, 4, 5, 6, 7, 8, 9] : [2, 5]) ticks.push(Number((f * decade(e)).toPrecision(12)));
  }
  return ticks.filter((t) => Math.log10(t) >= a - 1e-9 && Math.log10(t) <= b + 1e-9).sort((x, y) => x - y);
}

/** Short tick label: plain for ordinary magnitudes, 1e-4 style for extreme ones. */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) {
    let e = Math.floor(Math.log10(a));
    let m = Number((v / Number(`1e${e}`)).toPrecision(3));
    if (Math.abs(m) >= 10) {
      m /= 10;
      e++;
    }
    return m === 1 ? `1e${e}` : `${m}e${e}`;
  }
  return String(Number(v.toPrecision(4)));
}

function gridAndTicks(ctx: SKRSContext2D, sx: Scale, sy: Scale, area: { x0: number; x1: number; y0: number; y1: number }): void {
  ctx.lineWidth = 1;
  for (const t of sx.ticks) {
    const x = Math.round(sx.at(t)) + 0.5;
    ctx.strokeStyle = '#e6e6e6';
    ctx.beginPath();
    ctx.moveTo(x, area.y1);
    ctx.lineTo(x, area.y0);
    ctx.stroke();
    ctx.strokeStyle = '#444444';
    ctx.beginPath();
    ctx.moveTo(x, area.y0);
    ctx.lineTo(x, area.y0 + 5);
    ctx.stroke();
    text(ctx, formatTick(t), x, area.y0 + 20, { size: 12, align: 'center' });
  }
  for (const t of sy.ticks) {
    const y = Math.round(sy.at(t)) + 0.5;
    ctx.strokeStyle = '#e6e6e6';
    ctx.beginPath();
    ctx.moveTo(area.x0, y);
    ctx.lineTo(area.x1, y);
    ctx.stroke();
    ctx.strokeStyle = '#444444';
    ctx.beginPath();
    ctx.moveTo(area.x0 - 5, y);
    ctx.lineTo(area.x0, y);
    ctx.stroke();
    text(ctx, formatTick(t), area.x0 - 9, y, { size: 12, align: 'right', baseline: 'middle' });
  }
}

function legend(ctx: SKRSContext2D, names: string[], x: number, y: number): void {
  const maxWidth = M.right - 50;
  names.forEach((name, i) => {
    const row = y + 8 + i * 24;
    ctx.strokeStyle = COLOURS[i % COLOURS.length]!;
    ctx.lineWidth = 3;
    ctx.beginPath();
    ctx.moveTo(x, row);
    ctx.lineTo(x + 22, row);
    ctx.stroke();
    ctx.font = `13px ${FONT}`;
    let label = name;
    while (label.length > 1 && ctx.measureText(label).width > maxWidth) label = label.slice(0, -1);
    text(ctx, label === name ? name : `${label.slice(0, -1)}…`, x + 30, row, { size: 13, baseline: 'middle' });
  });
}
