import { SpanStatusCode, trace, type Span } from '@opentelemetry/api';

const TRACER_NAME = 'im-graphql-gateway';

let enabled = false;

/**
 * Traces are on only when an OTLP endpoint is set the standard way (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) and not turned off (OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER=none).
 */
export function tracingWanted(env: NodeJS.ProcessEnv): boolean {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return Boolean(endpoint) && env.OTEL_SDK_DISABLED !== 'true' && env.OTEL_TRACES_EXPORTER !== 'none';
}

/** Whether spans are made (the SDK is running). */
export function tracingOn(): boolean {
  return enabled;
}

/** The SDK is running (tracing-sdk.ts): spans are made from now on. */
export function markTracingOn(): void {
  enabled = true;
}

/**
 * Runs `work` inside a span of its own when tracing is on (its spans below become children); when off, runs
 * it as it is: no span object, no context switch.
 */
export function inSpan<T>(name: string, work: (span: Span | undefined) => Promise<T>): Promise<T> {
  if (!enabled) return work(undefined);
  return trace.getTracer(TRACER_NAME).startActiveSpan(name, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The span of the work in progress, when tracing is on. */
export function activeSpan(): Span | undefined {
  return enabled ? trace.getActiveSpan() : undefined;
}
