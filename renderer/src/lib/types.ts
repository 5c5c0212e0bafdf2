// Result types of the contract under the names the screens use.
import type { EXPERIMENT_STATUS_VALUES, LabResult, RUN_STATUS_VALUES } from '../../../core/contract/lab-contract.ts';

export type RunSummary = LabResult<'listRuns'>[number];
export type RunDetail = LabResult<'getRun'>;
export type RunStatus = (typeof RUN_STATUS_VALUES)[number];
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
