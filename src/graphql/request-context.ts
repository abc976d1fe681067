import type { Logger } from 'pino';
import type { Caller } from '../auth/caller';
import type { Config } from '../config/config';
import type { GatewayCore } from '../core';
import { createRequestLoaders, type RequestLoaders } from '../groups/request-loaders';
import type { GatewayContext } from './context';

/** What every request's context shares: built once per process. */
export interface SharedContext {
  logger: Logger;
  core: GatewayCore;
  config: Config;
  simulator: boolean;
  authenticate: (authorization: string | undefined) => Promise<Caller>;
}

/** Per-request state made on first use; one object, shared by reference when Apollo copies the context. */
interface LazyState {
  logger?: Logger;
  loaders?: RequestLoaders;
  caller?: Promise<Caller>;
}

/**
 * One request's context. Apollo copies the context's own properties per operation (`Object.assign`), which
 * would run getters defined on the object itself — so the lazy parts are getters on this class's prototype
 * over one shared state object: most requests then never make a logger child or loaders.
 */
export class RequestContext implements GatewayContext {
  private readonly lazy: LazyState = {};

  constructor(
    readonly requestId: string,
    private readonly authorization: string | undefined,
    private readonly shared: SharedContext,
  ) {}

  get logger(): Logger {
    return (this.lazy.logger ??= this.shared.logger.child({ requestId: this.requestId }));
  }

  get loaders(): RequestLoaders {
    return (this.lazy.loaders ??= createRequestLoaders(this.shared.core.reads, this.shared.config.limits.maxGroupsPerRequest));
  }

  get core(): GatewayCore {
    return this.shared.core;
  }

  get config(): Config {
    return this.shared.config;
  }

  get simulator(): boolean {
    return this.shared.simulator;
  }

  authenticate(): Promise<Caller> {
    return (this.lazy.caller ??= this.shared.authenticate(this.authorization));
  }
}
