import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginUsageReportingDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault, ApolloServerPluginLandingPageProductionDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginUsageReporting } from '@apollo/server/plugin/usageReporting';
import type { Logger } from 'pino';
import type { Config } from '../config/config';
import type { GatewayMetrics } from '../observability/metrics';
import type { GatewayContext } from './context';
import { formatError } from './errors';
import { authenticationPlugin } from './plugins/authentication';
import { loggingPlugin } from './plugins/logging';
import { metricsPlugin } from './plugins/metrics';
import { tracingPlugin } from './plugins/tracing';
import { tracingOn } from '../observability/tracing';
import { operationLimitsPlugin } from './plugins/operation-limits';
import { buildGatewaySchema } from './schema';

/** Apollo Server over the subgraph schema, with the request-path plugins in the order they run. */
export async function createApolloServer(config: Config, metrics: GatewayMetrics, logger: Logger): Promise<ApolloServer<GatewayContext>> {
  const apollo = new ApolloServer<GatewayContext>({
    schema: await buildGatewaySchema(),
    formatError,
    includeStacktraceInErrorResponses: false,
    // Shutdown is ours (main.ts): Apollo re-raising the signal would exit before accepted updates are sent.
    stopOnTerminationSignals: false,
    logger: logger.child({ component: 'apollo' }),
    introspection: config.introspection,
    // graphql-js stops parsing past this many tokens: a huge document costs no more than a small one.
    parseOptions: { maxTokens: config.limits.maxQueryTokens },
    apollo: config.apolloGraphOs,
    plugins: [
      loggingPlugin(),
      metricsPlugin(metrics),
      ...(tracingOn() ? [tracingPlugin()] : []),
      operationLimitsPlugin(config.limits),
      authenticationPlugin(),
      config.production ? ApolloServerPluginLandingPageProductionDefault() : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
      // No field has a cache hint: the default cache-control plugin would only cost a hook per field.
      ApolloServerPluginCacheControlDisabled(),
      // Usage reporting only when GraphOS is configured; a subgraph's schema is published with rover, not reported.
      config.apolloGraphOs ? ApolloServerPluginUsageReporting() : ApolloServerPluginUsageReportingDisabled(),
    ],
  });
  await apollo.start();
  return apollo;
}
