import type { Logger } from 'pino';
import type { Config } from '../config';
import type { ImUpstream } from '../im/upstream';
import type { GroupLoaders } from './group/group-loaders';

/** What every resolver can reach for one GraphQL request. */
export interface GatewayContext {
  requestId: string;
  logger: Logger;
  upstream: ImUpstream;
  config: Config;
  /** True when the IM calls go to the built-in simulator. */
  simulator: boolean;
  /** Per-request batching loaders for IM reads (made on first use). */
  loaders: GroupLoaders;
}
