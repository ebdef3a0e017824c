// Public API of the uplink path: the pipeline, the Uplink it carries and the exits it feeds.
export { UplinkPipeline, type PipelineOptions, type PipelineCounters } from './uplink-pipeline.js';
export type { Uplink, UplinkExit, LiveUplinkStream, RecordStore } from './uplink.js';
export { toRecord, radioFields, lorawanFields } from './to-record.js';
