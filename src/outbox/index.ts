// Public surface of the outbox.
export { Outbox } from './outbox.js';
export type { OutboxOptions, OutboxStats, OutboxDropCounts, SweepResult, BatchOp, BatchWriter } from './outbox.js';
export type { OutboxRecord } from './record.js';
export type { NewRecord } from './record-encoding.js';
export {
  OutboxError,
  OutboxLockedError,
  OutboxNotFoundError,
  OutboxOpenError,
  OutboxClosedError,
  OutboxArgumentError,
} from './errors.js';
export { outboxStatsReport, exportOutbox } from './tools.js';
export type { OutboxStatsReport, ExportResult } from './tools.js';
export { renderProgressBar, createProgressBar } from './progress.js';
export type { ProgressBar } from './progress.js';
