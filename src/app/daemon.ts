// The daemon's process lifecycle: starts the app, tells systemd (READY, WATCHDOG, STOPPING), reloads
// devices on SIGHUP and stops every part in reverse order within 5 s of SIGTERM/SIGINT. Shared by
// `lora-edge run` and the demo, which is why it lives here and not in either tool.
import { App } from './app.js';
import { readMqttPassword, type LoadedConfig } from '../config/load.js';
import type { Logger } from '../log.js';
import { createNotifier } from '../ops/sd-notify.js';

const STOP_DEADLINE_MS = 5000;

/** Starts the app and waits for a stop signal. Returns the exit code. */
export async function runDaemon(loaded: LoadedConfig, logger: Logger, beforeStop?: () => Promise<void>, configSource = 'configuration'): Promise<number> {
  for (const w of loaded.warnings) logger.warn(w);
  if (loaded.envApplied.length) logger.info({ variables: loaded.envApplied }, 'environment overrides applied');
  let password: string | undefined;
  try {
    password = readMqttPassword(loaded.config);
  } catch (err) {
    logger.fatal({ err: (err as Error).message }, 'cannot read the MQTT password file');
    return exitAfterFlush(logger, 2);
  }
  // systemd: READY once sources, outbox and MQTT client are up; WATCHDOG only while the pipeline
  // is alive; nothing at all when not started by systemd.
  const notifier = createNotifier(process.env, { onError: (e) => logger.warn({ err: e.message }, 'systemd notification failed') });
  const configCheck = { source: configSource, warnings: loaded.warnings, envApplied: loaded.envApplied };
  const app = new App({ config: loaded.config, logger, mqttPassword: password, configCheck });
  // Listening before the start: a Ctrl-C or SIGTERM while parts start waits for them and then stops
  // them in order, instead of killing the process with the outbox half open.
  const stopSignal = waitForStopSignal();
  try {
    await app.start();
  } catch (err) {
    logger.fatal({ err: (err as Error).message }, 'lora-edge could not start');
    notifier.close();
    return exitAfterFlush(logger, 1);
  }
  notifier.ready('running');
  let watchdogWarned = false;
  const watchdog = notifier.watchdogIntervalMs
    ? setInterval(() => {
        if (app.isPipelineAlive()) {
          notifier.watchdog();
          watchdogWarned = false;
        } else if (!watchdogWarned) {
          watchdogWarned = true;
          logger.error('outbox writes are stuck: withholding the systemd watchdog so the service is restarted');
        }
      }, notifier.watchdogIntervalMs)
    : undefined;
  watchdog?.unref();
  // SIGHUP re-reads the device registry (systemctl reload lora-edge).
  const onHup = () => void app.reloadDevices();
  process.on('SIGHUP', onHup);
  const signal = await stopSignal;
  process.off('SIGHUP', onHup);
  logger.info({ signal }, 'stopping');
  notifier.stopping();
  clearInterval(watchdog);
  const deadline = setTimeout(() => {
    logger.error(`parts did not stop within ${STOP_DEADLINE_MS} ms; exiting anyway`);
    logger.flush();
    process.exit(1);
  }, STOP_DEADLINE_MS);
  await beforeStop?.();
  await app.stop();
  notifier.close();
  clearTimeout(deadline);
  return exitAfterFlush(logger, 0);
}

function waitForStopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (sig: NodeJS.Signals) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      // A second signal while stopping means "now".
      process.once('SIGTERM', () => process.exit(1));
      process.once('SIGINT', () => process.exit(1));
      resolve(sig);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

/** Flushes the async log, then makes sure the process ends even if a library left a handle open. */
function exitAfterFlush(logger: Logger, code: number): number {
  logger.flush();
  setTimeout(() => process.exit(code), 200).unref();
  return code;
}
