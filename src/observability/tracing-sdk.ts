import { getStringFromEnv } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { markTracingOn } from './tracing';

/** The service name traces carry unless OTEL_SERVICE_NAME (or OTEL_RESOURCE_ATTRIBUTES) says another. */
const SERVICE_NAME = 'im-graphql-gateway';

/**
 * Starts the OpenTelemetry SDK: OTLP/HTTP export in batches, W3C trace context (an incoming `traceparent`
 * continues the router's trace), and the official instrumentations for the HTTP server, undici (each IM
 * request, its query string left out: it holds the admin UserSig) and ioredis (command names only). Must run
 * before the modules it instruments are loaded (main.ts and cli.ts load it first).
 * @public (required lazily by tracing-bootstrap.ts, which knip cannot follow)
 */
export function startTracing(): NodeTracerProvider {
  // OTEL_SERVICE_NAME over OTEL_RESOURCE_ATTRIBUTES over ours, as the specification orders them.
  const serviceName = getStringFromEnv('OTEL_SERVICE_NAME');
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': SERVICE_NAME }))
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes(serviceName === undefined ? {} : { 'service.name': serviceName }));
  // The batch processor reads OTEL_BSP_* itself; register() sets the AsyncLocalStorage context and W3C trace context.
  const provider = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] });
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation(),
      new UndiciInstrumentation({
        startSpanHook: (request) => {
          const url = new URL(request.path, request.origin);
          return { 'url.full': `${url.origin}${url.pathname}`, 'url.query': '' };
        },
      }),
      new IORedisInstrumentation({ dbStatementSerializer: (command) => command }),
    ],
  });
  markTracingOn();
  return provider;
}

