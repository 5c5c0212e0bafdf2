// The navigation's highlight follows what a screen shows: a run's page
// highlights the list that holds the run (Experiments for a run an experiment
// trained, History for any other), whichever way the page was opened.
import { describe, expect, it } from 'vitest';
import { navSection, owningExperiment } from '../../renderer/src/lib/nav-section.ts';
import type { ExperimentSummary } from '../../renderer/src/lib/types.ts';

const member = (runId: number, owned: boolean): ExperimentSummary['members'][number] => ({
  runId,
  role: 'lstm',
  position: 0,
  owned,
  status: 'completed',
  step: 1,
  totalSteps: 1,
  validLoss: null,
});

const experiment = (id: number, members: ExperimentSummary['members']): ExperimentSummary => ({
  id,
  kind: 'stability',
  title: 'Stable vs unstable',
  name: null,
  status: 'completed',
  error: null,
  members,
  createdAt: '',
  updatedAt: '',
  finishedAt: null,
});

describe('navSection', () => {
  const experiments = [experiment(1, [member(3, true), member(4, true)]), experiment(2, [member(5, false), member(6, true)])];

  it('puts a run an experiment trained under Experiments and any other run under History', () => {
    expect(navSection({ name: 'run', id: 3 }, experiments)).toBe('experiments');
    expect(navSection({ name: 'run', id: 6 }, experiments)).toBe('experiments');
    // Run 5 is only read by experiment 2 (e.g. the run a truncation sweep analyses): it stays a History run.
    expect(navSection({ name: 'run', id: 5 }, experiments)).toBe('history');
    expect(navSection({ name: 'run', id: 9 }, experiments)).toBe('history');
    expect(navSection({ name: 'run', id: 3 }, [])).toBe('history');
    expect(owningExperiment(6, experiments)?.id).toBe(2);
    expect(owningExperiment(5, experiments)).toBeNull();
  });

  it('maps every other screen to its own entry, and screens outside the navigation to none', () => {
    expect(navSection({ name: 'history' }, experiments)).toBe('history');
    expect(navSection({ name: 'new' }, experiments)).toBe('new');
    expect(navSection({ name: 'experiment', id: 1 }, experiments)).toBe('experiments');
    expect(navSection({ name: 'sweep', id: 1 }, experiments)).toBe('sweeps');
    expect(navSection({ name: 'compare' }, experiments)).toBe('compare');
    expect(navSection({ name: 'paper-check' }, experiments)).toBe('paper-check');
    expect(navSection({ name: 'bench' }, experiments)).toBeNull();
    expect(navSection({ name: 'not-found' }, experiments)).toBeNull();
  });
});
