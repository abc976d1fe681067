import { Ctx, Query, Resolver } from 'type-graphql';
import type { GatewayContext } from '../context';
import { ImGatewayStatus } from './im-gateway-status.type';

@Resolver()
export class ImGatewayStatusResolver {
  @Query(() => ImGatewayStatus, { description: 'Which IM region and host this gateway uses, whether the built-in simulator is serving, and its limits.' })
  async imGateway(@Ctx() context: GatewayContext): Promise<ImGatewayStatus> {
    const { config, core, simulator } = context;
    const target = config.im.target;
    return {
      region: target.kind === 'tencent' ? target.region : undefined,
      host: new URL(core.endpoint.baseUrl).host,
      simulator: simulator || (await core.servedBySimulator()),
      sdkAppId: String(core.endpoint.sdkAppId),
      rateLimitPerSecond: config.im.rateLimitPerSecond,
      coalesceWindowMs: config.im.coalesceWindowMs,
      maxBatchSize: config.im.maxBatchSize,
    };
  }
}
