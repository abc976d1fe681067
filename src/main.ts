import { flushTraces } from './observability/tracing-bootstrap'; // first: before the modules it instruments
import 'reflect-metadata';
import { startGateway } from './app';
import { ConfigError, loadConfig } from './config/config';
import { createLogger } from './observability/logger';
import { FORCING_SIGNAL, SAME_SIGNAL_MS, ShutdownSignals } from './shutdown-signals';

/** Process entry: load config, start, stop cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel, pretty: config.prettyLogs });
  const gateway = await startGateway(config, logger);
  const drainThenExit = (): void => {
    gateway.stop().then(
      ({ unsent, inDoubt }) => {
        // Non-zero when the deadline left updates unsent (each is in the log), so the platform notices.
        logger.info({ unanswered: unsent.length + inDoubt.length, unsent: unsent.length, inDoubt: inDoubt.length }, 'stopped');
        logger.flush();
        void flushTraces().then(() => process.exit(unsent.length + inDoubt.length === 0 ? 0 : 1));
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  const signals = new ShutdownSignals();
  const onSignal = (signal: NodeJS.Signals): void => {
    switch (signals.receive(Date.now())) {
      case 'drain':
        logger.info({ signal }, 'shutting down: finishing accepted updates');
        drainThenExit();
        return;
      case 'duplicate':
        logger.debug({ signal, withinMs: SAME_SIGNAL_MS }, 'the same shutdown signal again (process group and npm): the drain goes on');
        return;
      case 'remind':
        logger.warn(
          { signal, pendingUpdates: gateway.pendingUpdates },
          `drain under way: accepted updates are still being sent; signal again (signal number ${FORCING_SIGNAL}, e.g. Ctrl-C once more) to stop at once, listing what is unsent`,
        );
        return;
      case 'force':
        logger.warn({ signal, pendingUpdates: gateway.pendingUpdates }, 'forced stop: ending the drain now; updates not yet answered are listed as UNSENT or IN_DOUBT');
        gateway.forceStop();
        return;
    }
  };
  // `on`, never `once`: a repeated signal with no listener would kill the process mid-drain.
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((error: unknown) => {
  process.stderr.write(`Failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
