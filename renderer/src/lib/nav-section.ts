// Which entry of the main navigation a screen belongs to. A run's page belongs
// to the list that holds the run: a run an experiment trained is found under
// Experiments (the experiment's page lists it), any other run under History.
// The highlight and the run page's way back both follow from the run itself,
// never from the way the page was opened.
import type { ExperimentSummary } from './types.ts';

export type NavSection = 'datasets' | 'new' | 'history' | 'compare' | 'experiments' | 'sweeps' | 'paper-check';

/** The experiment that trained run `runId` (a run it only reads does not count), or null. */
export function owningExperiment(runId: number, experiments: readonly ExperimentSummary[]): ExperimentSummary | null {
  return experiments.find((x) => x.members.some((m) => m.runId === runId && m.owned)) ?? null;
}

/** Screens that are their own entry, or under one (an experiment's page under Experiments). */
const SECTION_OF: Record<string, NavSection> = {
  datasets: 'datasets',
  new: 'new',
  history: 'history',
  compare: 'compare',
  experiments: 'experiments',
  experiment: 'experiments',
  sweeps: 'sweeps',
  sweep: 'sweeps',
  'paper-check': 'paper-check',
};

/**
 * The navigation entry to highlight on a route (`lib/router.svelte.ts`'s `Route`: its name, and a run's id);
 * null for screens outside the navigation (a bench, an unknown path).
 */
export function navSection(route: { name: string; id?: number }, experiments: readonly ExperimentSummary[]): NavSection | null {
  if (route.name === 'run' && route.id !== undefined) return owningExperiment(route.id, experiments) ? 'experiments' : 'history';
  return SECTION_OF[route.name] ?? null;
}
