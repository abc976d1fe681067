import { SIMULATOR_DEMO_SECRET_KEY } from '../config/defaults';
import { ConfigError } from '../config/env';
import { loadSimulatorConfig } from '../config/simulator-config';
import { ImSimulator } from './simulator';

/** `npm run simulator`: the IM simulator on its own, for frontend work without a Tencent account. */
async function main(): Promise<void> {
  const config = loadSimulatorConfig();
  const simulator = new ImSimulator({ sdkAppId: config.sdkAppId, secretKey: config.secretKey, adminAccounts: [config.adminIdentifier] });
  const url = await simulator.start(config.port, config.host);
  const keyHint = config.secretKey === SIMULATOR_DEMO_SECRET_KEY ? SIMULATOR_DEMO_SECRET_KEY : '<your SIMULATOR_SECRET_KEY>';
  process.stdout.write(
    `IM simulator listening on ${url}\n` +
      `Point a gateway at it:\n  IM_API_BASE_URL=${url} IM_SDKAPPID=${config.sdkAppId} IM_SECRET_KEY=${keyHint} npm start\n`,
  );
  const stop = (): void => void simulator.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? 'Configuration error: ' : ''}${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
