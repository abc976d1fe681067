import type { Logger } from 'pino';
import type { Caller } from '../auth/caller';
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
  /** The caller, from the request's `Authorization` header; verified once, on first use. Throws UNAUTHENTICATED (401). */
  authenticate(): Promise<Caller>;
  /** Per-request batching loaders for IM reads (made on first use). */
  loaders: GroupLoaders;
}
