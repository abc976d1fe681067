import * as D from './defaults';
import { account, integer, nonEmpty, type Env } from './env';

/** Settings of the standalone simulator (`npm run simulator`). */
export interface SimulatorConfig {
  port: number;
  host: string;
  sdkAppId: number;
  secretKey: string;
  adminIdentifier: string;
}

export function loadSimulatorConfig(env: Env = process.env): SimulatorConfig {
  return {
    port: integer(env, 'SIMULATOR_PORT', D.DEFAULT_SIMULATOR_PORT, 0, 65535),
    host: nonEmpty(env, 'SIMULATOR_HOST') ?? '127.0.0.1',
    sdkAppId: integer(env, 'SIMULATOR_SDKAPPID', D.DEFAULT_SIMULATOR_SDKAPPID, 1, 0xffffffff),
    secretKey: nonEmpty(env, 'SIMULATOR_SECRET_KEY') ?? D.SIMULATOR_DEMO_SECRET_KEY,
    adminIdentifier: account(env, 'IM_ADMIN_IDENTIFIER', D.DEFAULT_ADMIN_IDENTIFIER),
  };
}
