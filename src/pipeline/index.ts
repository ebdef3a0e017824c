// Public API of the uplink path: the pipeline, the Uplink it carries and the exits it feeds.
export { UplinkPipeline, type PipelineOptions, type PipelineCounters, type UplinkFilters, type FilteredReason } from './uplink-pipeline.js';
export { compileCheckedFilter, compileFilter, checkUplink, type FilterSpec, type UplinkFilter } from './uplink-filter.js';
export type { Uplink, UplinkExit, LiveUplinkStream, RecordStore } from './uplink.js';
export { toRecord, radioFields, lorawanFields } from './to-record.js';
