// The Run page's chart choices, shared by every run's page while the app is
// open. Smoothing starts at TensorBoard's 0.6: it only applies to series
// dense enough to smooth (per-step training curves), with the raw values
// drawn faint behind; sparse validation series are drawn as measured.
import type { XMode } from '../smoothing.ts';

class RunChartState {
  xMode = $state<XMode>('step');
  smoothing = $state(0.6);
  logY = $state(false);
}

export const runCharts = new RunChartState();
