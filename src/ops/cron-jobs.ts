// Periodic jobs on cron schedules (node-cron). A job that fails is logged and runs again next time;
// a job still running when its next turn comes is skipped, not stacked.
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../log.js';

export interface Job {
  name: string;
  schedule: string;
  run: () => Promise<void> | void;
}

export class CronJobs {
  private tasks: ScheduledTask[] = [];

  constructor(
    private readonly jobs: Job[],
    private readonly opts: { logger: Logger; timezone?: string },
  ) {}

  start(): void {
    for (const job of this.jobs) {
      const task = cron.createTask(
        job.schedule,
        async () => {
          try {
            await job.run();
          } catch (err) {
            this.opts.logger.error({ job: job.name, err: (err as Error).message }, 'scheduled job failed');
          }
        },
        { name: job.name, timezone: this.opts.timezone, noOverlap: true },
      );
      task.start();
      this.tasks.push(task);
    }
  }

  async stop(): Promise<void> {
    for (const t of this.tasks) await t.destroy();
    this.tasks = [];
  }
}
