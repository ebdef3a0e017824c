// The cron schedules of the configuration (`ops.*Schedule`): what they may say, and the one form
// node-cron is given. 5 fields, or 6 with seconds first; the usual nicknames stand for their
// fields. node-cron 3 validates the fields but accepts a seventh and ignores it, so the count is
// checked here: a schedule must mean what it says.
import cron from 'node-cron';

const NICKNAMES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** The schedule as fields separated by single spaces, a nickname replaced by its fields. */
export function cronFields(expression: string): string {
  const trimmed = expression.trim();
  return NICKNAMES[trimmed.toLowerCase()] ?? trimmed.split(/\s+/).join(' ');
}

/** True when `fields` (from cronFields) is a schedule node-cron runs as written. */
export function isCronSchedule(fields: string): boolean {
  const count = fields === '' ? 0 : fields.split(' ').length;
  return (count === 5 || count === 6) && cron.validate(fields);
}
