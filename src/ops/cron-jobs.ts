// Periodic jobs on cron schedules (node-cron). A job that fails is logged and runs again next time;
// a job still running when its next turn comes is skipped, not stacked.
//
// node-cron 3, not 4: version 4 formats the time through Intl.DateTimeFormat on every tick, time
// zone or not, and that alone maps about 8 MB of ICU data and code into the daemon (docs/storage.md).
// Version 3 uses Intl only for a configured `ops.timezone`.
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../log.js';

export interface Job {
  name: string;
  schedule: string;
  run: () => Promise<void> | void;
}

export class CronJobs {
  private tasks: ScheduledTask[] = [];
  /** Jobs whose last run has not finished yet: their next turn is skipped. */
  private readonly running = new Set<string>();
  /** The second each job last ran for: node-cron 3, looking back, offers a second twice. */
  private readonly lastSecond = new Map<string, number>();

  constructor(
    private readonly jobs: Job[],
    private readonly opts: { logger: Logger; timezone?: string },
  ) {}

  start(): void {
    for (const job of this.jobs) {
      const task = cron.schedule(job.schedule, (now) => void this.runOnce(job, now), {
        scheduled: false,
        name: job.name,
        timezone: this.opts.timezone,
        // node-cron 3 checks the time once a second on a timer that runs a little late each time,
        // so every few hundred seconds one second is stepped over: without this an hourly or daily
        // job is skipped now and then. Looking back also offers the second before again, which
        // runOnce turns away.
        recoverMissedExecutions: true,
      });
      task.start();
      this.tasks.push(task);
    }
  }

  async stop(): Promise<void> {
    for (const t of this.tasks) t.stop();
    this.tasks = [];
  }

  private async runOnce(job: Job, now: Date | 'manual' | 'init'): Promise<void> {
    if (now instanceof Date) {
      const second = Math.floor(now.getTime() / 1000);
      if (this.lastSecond.get(job.name) === second) return;
      this.lastSecond.set(job.name, second);
    }
    if (this.running.has(job.name)) {
      this.opts.logger.debug({ job: job.name }, 'scheduled job still running: this turn is skipped');
      return;
    }
    this.running.add(job.name);
    try {
      await job.run();
    } catch (err) {
      this.opts.logger.error({ job: job.name, err: (err as Error).message }, 'scheduled job failed');
    } finally {
      this.running.delete(job.name);
    }
  }
}
