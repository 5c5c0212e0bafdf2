// Points of a sweep's space: the full grid (cartesian product, fields in the
// file's order) or seeded random draws. Pure and deterministic: the same spec
// gives the same points on every machine, so a restarted sweep (or a Slurm
// array task) recomputes nothing it cannot reproduce.
import { Rng } from '../rng.ts';
import { MAX_TRIALS, type FieldValue, type SpaceRange, type SweepSpec } from './sweep-spec.ts';

/** One trial's swept values, by config name. */
export type SweepPoint = Record<string, FieldValue>;

/** Largest int-uniform interval a grid enumerates. */
const MAX_GRID_INTERVAL = 256;

/** The values a grid takes for one field; continuous ranges cannot be enumerated. */
function gridValues(field: string, range: SpaceRange): FieldValue[] {
  if (Array.isArray(range)) return range;
  if ('int-uniform' in range) {
    const [a, b] = range['int-uniform'];
    if (b - a + 1 > MAX_GRID_INTERVAL)
      throw new Error(
        `space.${field}: a grid enumerates int-uniform a..b, and ${a}..${b} has more than ${MAX_GRID_INTERVAL} values; use a list or the random method`,
      );
    return Array.from({ length: b - a + 1 }, (_, i) => a + i);
  }
  const kind = Object.keys(range)[0];
  throw new Error(`space.${field}: a grid needs a list or int-uniform; ${kind} is continuous (use method random or halving)`);
}

/** Every point of the grid, the last field varying fastest. */
export function gridPoints(spec: SweepSpec): SweepPoint[] {
  const fields = Object.entries(spec.space).map(([name, range]) => ({ name, values: gridValues(name, range) }));
  const size = fields.reduce((n, f) => n * f.values.length, 1);
  if (size > MAX_TRIALS) throw new Error(`space: the grid has ${size} points, more than the ${MAX_TRIALS} a sweep may hold`);
  if (spec.trials !== undefined && size > spec.trials)
    throw new Error(`trials: the grid has ${size} points, more than trials = ${spec.trials}; raise trials or shrink the space`);
  const points: SweepPoint[] = [];
  for (let i = 0; i < size; i++) {
    const point: SweepPoint = {};
    let rest = i;
    for (let f = fields.length - 1; f >= 0; f--) {
      const { name, values } = fields[f]!;
      point[name] = values[rest % values.length]!;
      rest = Math.floor(rest / values.length);
    }
    // Keep the file's field order in the point.
    points.push(Object.fromEntries(fields.map((f) => [f.name, point[f.name]!])));
  }
  return points;
}

/** One draw from a range. */
function draw(range: SpaceRange, rng: Rng): FieldValue {
  if (Array.isArray(range)) return range[rng.int(range.length)]!;
  if ('log-uniform' in range) {
    const [a, b] = range['log-uniform'];
    return Math.exp(Math.log(a) + rng.next() * (Math.log(b) - Math.log(a)));
  }
  if ('uniform' in range) {
    const [a, b] = range.uniform;
    return a + rng.next() * (b - a);
  }
  const [a, b] = range['int-uniform'];
  return a + rng.int(b - a + 1);
}

/** `count` independent draws from the space, fields drawn in the file's order from one stream seeded by spec.seed. */
export function randomPoints(spec: SweepSpec, count: number): SweepPoint[] {
  const rng = new Rng(spec.seed);
  return Array.from({ length: count }, () =>
    Object.fromEntries(Object.entries(spec.space).map(([name, range]) => [name, draw(range, rng)])),
  );
}

/** The sweep's points: the grid, or `trials` random draws (random and halving). */
export function sweepPoints(spec: SweepSpec): SweepPoint[] {
  return spec.method === 'grid' ? gridPoints(spec) : randomPoints(spec, spec.trials!);
}
