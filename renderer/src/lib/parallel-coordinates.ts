// Geometry of the parallel-coordinates plot of a sweep (pure, testable):
// one vertical axis per swept field plus the metric's, each trial a polyline
// through its values. Numbers map linearly (logarithmically when every value
// is positive and they span more than a decade, as log-uniform draws do);
// strings and booleans are categories spread evenly along their axis.

export type AxisValue = number | string | boolean | null;

export interface Axis {
  key: string;
  /** 'log' | 'linear' for numbers; 'category' otherwise. */
  scale: 'linear' | 'log' | 'category';
  /** Value → 0 (bottom) .. 1 (top); null when the value cannot be placed. */
  position(v: AxisValue): number | null;
  /** Tick labels with their positions. */
  ticks: { label: string; at: number }[];
}

const short = (v: number) =>
  Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(3)));

/** An axis fitted to the values one field takes over the trials. */
export function makeAxis(key: string, values: readonly AxisValue[]): Axis {
  const present = values.filter((v): v is number | string | boolean => v !== null);
  if (present.length && present.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    const nums = present as number[];
    const lo = Math.min(...nums);
    const hi = Math.max(...nums);
    const log = lo > 0 && hi / lo > 10;
    const f = (v: number) => (log ? Math.log(v) : v);
    const span = f(hi) - f(lo);
    const position = (v: AxisValue) =>
      typeof v !== 'number' || !Number.isFinite(v) || (log && v <= 0) ? null : span === 0 ? 0.5 : (f(v) - f(lo)) / span;
    const ticks =
      span === 0
        ? [{ label: short(lo), at: 0.5 }]
        : [
            { label: short(lo), at: 0 },
            { label: short(hi), at: 1 },
          ];
    return { key, scale: log ? 'log' : 'linear', position, ticks };
  }
  const categories = [...new Set(present.map(String))];
  const at = (i: number) => (categories.length === 1 ? 0.5 : i / (categories.length - 1));
  return {
    key,
    scale: 'category',
    position: (v) => (v === null ? null : categories.includes(String(v)) ? at(categories.indexOf(String(v))) : null),
    ticks: categories.map((c, i) => ({ label: c, at: at(i) })),
  };
}

/**
 * Colour of a metric on a blue (best, lowest) → yellow (worst) ramp (viridis
 * ends), grey when there is none. `t` is the metric's 0..1 position.
 */
export function metricColor(t: number | null): string {
  if (t === null) return '#9ca3af';
  const stops = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ];
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const mix = stops[i]!.map((c, k) => Math.round(c + (stops[i + 1]![k]! - c) * (x - i)));
  return `rgb(${mix.join(', ')})`;
}
