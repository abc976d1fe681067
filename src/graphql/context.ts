import type { Logger } from 'pino';
import type { Caller } from '../auth/caller';
import type { Config } from '../config/config';
import type { GatewayCore } from '../core';
import type { RequestLoaders } from '../groups/request-loaders';

/** What every resolver can reach for one GraphQL request. */
export interface GatewayContext {
  requestId: string;
  logger: Logger;
  core: GatewayCore;
  config: Config;
  /** True when the IM calls go to a simulator (built in, or the standalone one). */
  simulator: boolean;
  /** The caller, from the request's `Authorization` header; verified once, on first use. Throws UNAUTHENTICATED (401). */
  authenticate(): Promise<Caller>;
  /** Per-request batching loaders for IM reads: roles, group info, members' MsgSeq (made on first use). */
  loaders: RequestLoaders;
}
