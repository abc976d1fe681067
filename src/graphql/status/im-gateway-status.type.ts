import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'How this gateway reaches Tencent Cloud IM. Holds no secrets.' })
export class ImGatewayStatus {
  @Field({ nullable: true, description: 'The IM data-centre region in use (e.g. `china`, `singapore`); null with a custom base URL or the simulator.' })
  region?: string;

  @Field({ description: 'The host IM calls go to.' })
  host!: string;

  @Field({
    description:
      'True when an IM simulator answers instead of Tencent: the built-in one (no IM_SECRET_KEY set), or the standalone one (`npm run simulator`) behind IM_API_BASE_URL, recognised by the marker header on its replies.',
  })
  simulator!: boolean;

  @Field(() => ID, { description: 'The IM SDKAppID in use (an ID: app IDs can exceed Int).' })
  sdkAppId!: string;

  @Field(() => Int, { description: 'Outbound set_unread_msg_num calls allowed per second (IM_RATE_LIMIT_PER_SECOND).' })
  rateLimitPerSecond!: number;

  @Field(() => Int, { description: 'How long concurrent updates are collected before going out, in ms (IM_COALESCE_WINDOW_MS).' })
  coalesceWindowMs!: number;

  @Field(() => Int, { description: 'The most items one batch mutation accepts (IM_MAX_BATCH_SIZE).' })
  maxBatchSize!: number;
}
