import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CoreHooks } from '../core';
import type { ImCallResult } from '../outbound/observe';

/** Every metric name starts with this, so dashboards can find them all. */
const PREFIX = 'im_gateway_';
/** Distinct operation names kept as labels; later ones count as "other". */
const MAX_OPERATION_NAMES = 200;
/** Longer operation names are labelled "other": a label is kept in memory and in every scrape. */
const MAX_OPERATION_LABEL_LENGTH = 64;
const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/**
 * The gateway's Prometheus metrics, in a registry of its own (served at GET /metrics). What to alert on is
 * in docs/operations.md: RATE_LIMITED, IM_CONFIGURATION_ERROR and IM's 70050 lockout.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly imCalls = new Counter({
    name: `${PREFIX}im_calls_total`,
    help: 'IM REST calls (each attempt, retries included) by command and IM ErrorCode; error_code "none" when IM did not answer (network, timeout, non-200), with the gateway code in `code`.',
    labelNames: ['command', 'host', 'error_code', 'code'] as const,
    registers: [this.registry],
  });
  private readonly imLatency = new Histogram({
    name: `${PREFIX}im_call_duration_seconds`,
    help: 'Duration of IM REST calls (each attempt), by command.',
    labelNames: ['command'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  private readonly retries = new Counter({
    name: `${PREFIX}im_retries_total`,
    help: 'Retries of IM calls, by the gateway code of the failure that caused them.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  private readonly merged = new Counter({
    name: `${PREFIX}coalescer_merged_updates_total`,
    help: 'Updates answered by an IM call made for another update of the same member (calls saved).',
    registers: [this.registry],
  });
  private readonly limiterWait = new Histogram({
    name: `${PREFIX}limiter_wait_seconds`,
    help: 'Time calls waited for a rate-limiter slot.',
    buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly operations = new Counter({
    name: `${PREFIX}graphql_operations_total`,
    help: 'GraphQL operations by name and outcome: "ok", or the first error code.',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });

  private readonly sharedStateResets = new Counter({
    name: `${PREFIX}shared_state_resets_total`,
    help: 'Times this replica found Redis to be another server than before (a restart or a failover): writes then hold (docs/scale-out.md).',
    registers: [this.registry],
  });

  private readonly redisCommands = new Counter({
    name: `${PREFIX}redis_commands_total`,
    help: 'Commands this replica sent to the shared state (Redis); a Lua script call counts once.',
    registers: [this.registry],
  });

  private readonly lateWriteRepairs = new Counter({
    name: `${PREFIX}late_write_repairs_total`,
    help: 'Members read back after an abandoned set call (step "read"), and values written again because IM held the abandoned call\'s older value (step "rewrite").',
    labelNames: ['step'] as const,
    registers: [this.registry],
  });

  private readonly operationNames = new Set<string>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Live gauges read when scraped. */
  observeQueues(limiterQueueLength: () => number, pendingUpdates: () => number): void {
    this.liveGauge('limiter_queue_length', 'Calls waiting for a rate-limiter slot, over all IM commands.', limiterQueueLength);
    this.liveGauge('coalescer_pending_updates', 'Updates accepted and not yet answered.', pendingUpdates);
  }

  /** 1 while serving degraded: Redis unreachable, writes failing fast, reads on this replica's share. */
  observeDegraded(degraded: () => boolean): void {
    this.liveGauge('degraded', 'Whether the gateway serves degraded (1): its shared state (Redis) is unreachable; writes fail fast, reads go on.', () => (degraded() ? 1 : 0));
  }

  /** The upstream hooks that feed these metrics. */
  coreHooks(): Required<CoreHooks> {
    return {
      onCall: (result: ImCallResult) => {
        this.imCalls.inc({ command: result.command, host: result.host, error_code: result.imErrorCode === undefined ? 'none' : String(result.imErrorCode), code: result.code ?? 'OK' });
        this.imLatency.observe({ command: result.command }, result.seconds);
      },
      onMerged: (extraUpdates) => this.merged.inc(extraUpdates),
      onLimiterWait: (waitMs) => this.limiterWait.observe(waitMs / 1000),
      onRetry: (_attempt, error) => this.retries.inc({ code: error.code }),
      onSharedStateReset: () => this.sharedStateResets.inc(),
      onRedisCommand: () => this.redisCommands.inc(),
      onLateWriteRepair: (step) => this.lateWriteRepairs.inc({ step }),
    };
  }

  private liveGauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name: `${PREFIX}${name}`,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  /** Forgets the operations counted so far (the start-up warm-up's). */
  forgetOperations(): void {
    this.operations.reset();
    this.operationNames.clear();
  }

  countOperation(operationName: string | null | undefined, outcome: string): void {
    // Clients choose operation names: past a bound, new ones share one label so a client cannot blow up the series.
    // Only names that look like GraphQL names and are short become labels; anything else is "other".
    let operation = operationName ?? 'anonymous';
    if (operation.length > MAX_OPERATION_LABEL_LENGTH || !GRAPHQL_NAME.test(operation)) operation = 'other';
    else if (!this.operationNames.has(operation)) {
      if (this.operationNames.size >= MAX_OPERATION_NAMES) operation = 'other';
      else this.operationNames.add(operation);
    }
    this.operations.inc({ operation, outcome });
  }
}
