export { KEEP_COMPLETED, KEEP_FAILED } from './contract.ts';
export { createJobs } from './create.ts';
export { JobPayloadError, RetryAfterError, UnrecoverableJobError } from './errors.ts';
export type {
  AddOptions,
  AddResult,
  AnyJob,
  FinishedJob,
  Handler,
  JobCounts,
  JobData,
  JobInfo,
  JobInput,
  JobName,
  JobQueue,
  Jobs,
  JobsContract,
  JobsOptions,
  ProcessOptions,
  Worker,
} from './types.ts';
