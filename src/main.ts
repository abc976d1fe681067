import 'reflect-metadata';
import { startGateway } from './app';
import { ConfigError, loadConfig } from './config/config';
import { createLogger } from './observability/logger';

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
  const shutdown = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'shutting down: finishing accepted updates');
    gateway.stop().then(
      ({ unsent, inDoubt }) => {
        // Non-zero when the deadline left updates unsent (each is in the log), so the platform notices.
        logger.info({ unanswered: unsent.length + inDoubt.length, unsent: unsent.length, inDoubt: inDoubt.length }, 'stopped');
        logger.flush();
        process.exit(unsent.length + inDoubt.length === 0 ? 0 : 1);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`Failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
