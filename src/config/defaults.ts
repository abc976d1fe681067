/**
 * Every configurable default, written once. Modules that take these as options refer here; docs/
 * and `.env.example` say the same.
 */

export const DEFAULT_PORT = 4000;
export const DEFAULT_HOST = '0.0.0.0';
/** The built-in admin account every IM app has. */
export const DEFAULT_ADMIN_IDENTIFIER = 'administrator';
/** 1 MiB: far above any legitimate request, including a full batch of 500 updates. */
export const DEFAULT_MAX_REQUEST_BODY_BYTES = 1024 * 1024;
/** 10 s for a whole request (headers and body) to arrive: a slow client cannot hold a connection for minutes. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** 5 s for the headers alone. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 5_000;
/** 65 s: above the 60 s idle timeout of common load balancers, so they close first. */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** Open connections at once; past it, new ones are closed at once. */
export const DEFAULT_MAX_CONNECTIONS = 10_000;
/** Pending connections the kernel queues before accept(): bursts of fresh connections wait instead of failing. */
export const DEFAULT_LISTEN_BACKLOG = 4096;
/**
 * Requests through the request path before listening (src/http/warm-up.ts): 600, in rounds of 50, about 0.8 s
 * at start, so a burst right after a rollout coalesces as on a warm process.
 */
export const DEFAULT_WARM_UP_REQUESTS = 600;
/** 30 s: Kubernetes' default grace period, and far above a drain at 200 calls/s with a full queue (10 s). */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000;
/** In development: Apollo Studio's Explorer, so a local gateway can be explored from it (none in production). */
export const DEVELOPMENT_CORS_ORIGINS: readonly string[] = ['https://studio.apollographql.com'];
export const DEFAULT_JWT_ACCOUNT_CLAIM = 'sub';

/** Operation limits: far above what the schema's real operations need (depth 4, complexity under 50). */
export const DEFAULT_MAX_QUERY_DEPTH = 10;
export const DEFAULT_MAX_QUERY_COMPLEXITY = 1000;
export const DEFAULT_MAX_ROOT_MUTATION_FIELDS = 10;
/** 15,000 tokens: a full-complexity query (1,000 fields) is about 5,000; a 1 MiB body of tokens is far more. */
export const DEFAULT_MAX_QUERY_TOKENS = 15_000;
/** Operation names past this are refused (not configurable): real ones are a few words, and names reach logs and metrics. */
export const MAX_OPERATION_NAME_LENGTH = 128;
/** 50 groups: one request's reads cost at most a few dozen IM calls (a role or member-info call per group). */
export const DEFAULT_MAX_GROUPS_PER_REQUEST = 50;
/** 500: IM's own per-call member limit on the migration import endpoint. */
export const DEFAULT_MAX_BATCH_SIZE = 500;

/** 5 s: Tencent gives up after about 3 s, so a slow success must not look like a failure. */
export const DEFAULT_IM_TIMEOUT_MS = 5000;
/** 200: Tencent's limit for set_unread_msg_num per app, which cannot be raised. */
export const DEFAULT_RATE_LIMIT_PER_SECOND = 200;
/** 10 s: how long a call may wait for its limiter slot before it is refused with RATE_LIMITED. */
export const DEFAULT_MAX_QUEUE_WAIT_MS = 10_000;
/** 10,000 updates waiting at most (about 50 s of IM's budget, a few MB): beyond it RATE_LIMITED at once. */
export const DEFAULT_MAX_PENDING_UPDATES = 10_000;
/** 5 ms: long enough to catch a double-fired click or a script's burst, short next to IM's own latency. */
export const DEFAULT_COALESCE_WINDOW_MS = 5;
/** Reads wait this long for others before their call goes; while a call is at IM the next batch collects anyway. */
export const DEFAULT_READ_BATCH_WINDOW_MS = 2;
/** 3 retries after the first attempt. */
export const DEFAULT_MAX_RETRIES = 3;
/** 20 s for all attempts of one call together, waits included. */
export const DEFAULT_RETRY_DEADLINE_MS = 20_000;
/** 20 writes a second per caller account (a tenth of the app's budget), bursts of 20; app admins are exempt. */
export const DEFAULT_ACCOUNT_RATE_PER_SECOND = 20;
export const DEFAULT_ACCOUNT_BURST = 20;
/** Group types never change; 10,000 entries cost about a megabyte. */
export const DEFAULT_GROUP_TYPE_CACHE_SIZE = 10_000;

/** The standalone simulator (`npm run simulator`). */
export const DEFAULT_SIMULATOR_PORT = 4100;
export const DEFAULT_SIMULATOR_SDKAPPID = 1400000000;
/** A fixed, public key for the standalone simulator, so a gateway can be pointed at it; it guards nothing real. */
export const SIMULATOR_DEMO_SECRET_KEY = 'simulator-demo-key-not-a-secret';
