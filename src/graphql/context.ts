import type DataLoader from 'dataloader';
import type { Logger } from 'pino';
import type { Caller } from '../auth/caller';
import type { Config } from '../config/config';
import type { GatewayCore } from '../core';
import type { GroupRole } from '../domain/group';
import type { GroupMemberRef } from '../domain/member';

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
  /** Per-request role loader: one get_role_in_group per group (made on first use). */
  roles: DataLoader<GroupMemberRef, GroupRole, string>;
}
