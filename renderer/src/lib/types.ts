// Result types of the contract under the names the screens use.
import type { EXPERIMENT_STATUS_VALUES, LabResult } from '../../../core/contract/lab-contract.ts';
export type { RunStatus } from '../../../core/contract/kinds.ts';

export type RunSummary = LabResult<'listRuns'>[number];
export type RunDetail = LabResult<'getRun'>;
export type Sample = LabResult<'sample'>;
export type DatasetSummary = LabResult<'listDatasets'>[number];
export type SystemInfo = LabResult<'systemInfo'>;
export type ExportResult = LabResult<'exportRun'>;
export type MetricRow = LabResult<'getMetrics'>[number];
export type ExperimentSummary = LabResult<'listExperiments'>[number];
export type ExperimentDetail = LabResult<'getExperiment'>;
export type ExperimentMember = ExperimentSummary['members'][number];
export type ExperimentStatus = (typeof EXPERIMENT_STATUS_VALUES)[number];
export type ExperimentKind = ExperimentSummary['kind'];
export type ExperimentKindInfo = LabResult<'listExperimentKinds'>[number];
export type AudioSample = LabResult<'listAudioSamples'>[number];
export type AudioGeneration = LabResult<'generateAudio'>;
export type MusicRoll = LabResult<'sampleMusic'>;
export type SweepSummary = LabResult<'listSweeps'>[number];
export type SweepDetail = LabResult<'getSweep'>;
export type SweepTrial = SweepDetail['trials'][number];
