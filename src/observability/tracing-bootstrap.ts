import { tracingWanted } from './tracing';

/**
 * Loaded first by the entry points (main.ts, cli.ts), before any module the instrumentations patch. With no
 * OTLP endpoint configured the SDK is not even loaded: tracing off costs nothing.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const provider: { shutdown(): Promise<void> } | undefined = tracingWanted(process.env) ? (require('./tracing-sdk') as typeof import('./tracing-sdk')).startTracing() : undefined;

/** An exit waits this long at most for the last spans to be sent. */
const FLUSH_AT_EXIT_MS = 2000;

/** Sends the spans still buffered (at exit), for {@link FLUSH_AT_EXIT_MS} at most; at once when tracing is off. */
export async function flushTraces(): Promise<void> {
  if (provider === undefined) return;
  await Promise.race([provider.shutdown().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, FLUSH_AT_EXIT_MS).unref())]);
}
