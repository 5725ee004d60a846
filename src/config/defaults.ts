// Default values of the options (src/config/options.ts) that code elsewhere needs too.

export const DEFAULT_PORT = 8080;
export const DEFAULT_STORE_URL = 'sqlite:./data/gateway.db';
export const DEFAULT_CHANNEL_UUID = '00000000-0000-4000-8000-00000000de70';
export const DEFAULT_MAX_TEXT_LENGTH = 4096;
export const DEFAULT_PING_INTERVAL = 8_000;
export const DEFAULT_PING_TIMEOUT = 20_000;
// At most one receipt ping per socket per second: at 250 ms the pings (and their pongs and delivery
// marks) cost the SQLite gateway about as much CPU as the messages themselves under load.
export const DEFAULT_RECEIPT_PING_DELAY = 1000;
export const DEFAULT_PLATFORM_TIMEOUT = 10_000;
export const DEFAULT_OUTBOX_MAX_AGE = 24 * 3600_000;
export const DEFAULT_HISTORY_MAX_AGE = 30 * 24 * 3600_000;
export const DEFAULT_HISTORY_MAX_MESSAGES = 1000;
export const DEFAULT_DELIVERY_MAX_AGE = 7 * 24 * 3600_000;
export const DEFAULT_MAX_PAYLOAD = 64 * 1024;
export const DEFAULT_MAX_WEBHOOK_BODY = 256 * 1024;
export const DEFAULT_OUTBOX_CONCURRENCY = 32;
export const DEFAULT_CLIENT_RATE = 10;
export const DEFAULT_CLIENT_BURST = 30;
export const DEFAULT_MAX_CONNECTIONS_PER_IP = 50;
export const DEFAULT_MAX_REGISTRATIONS_PER_MINUTE = 30;
export const DEFAULT_REGISTER_TIMEOUT = 60_000;
export const DEFAULT_SHUTDOWN_TIMEOUT = 10_000;
export const DEFAULT_TOKEN_TTL = 30 * 24 * 3600_000;
export const DEFAULT_HANDSHAKE_TIMEOUT = 10_000;
export const DEFAULT_RETRY_BASE = 1_000;
export const DEFAULT_RETRY_MAX = 5 * 60_000;
// Courier writes its own send status through a queue flushed every 500 ms and overwrites whatever
// is there: a delivery report must reach it well after that (see src/platform/status-reporter.ts).
export const DEFAULT_STATUS_DELAY = 2_000;
export const DEFAULT_MAX_MEDIA_BYTES = 10 * 1024 * 1024;
export const DEFAULT_MEDIA_BYTES_PER_HOUR = 50 * 1024 * 1024;
