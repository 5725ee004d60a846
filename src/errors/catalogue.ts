// The one place where every error the gateway can report is defined: a stable code, the HTTP
// status it maps to on the webhook/admin API, and a sentence that says what to do about it.
// Widgets see the same code in SocketCluster error frames (see toSocketError / toRegisterReply).

export interface ErrorSpec {
  readonly status: number;
  readonly message: string;
}

const e = (status: number, message: string): ErrorSpec => ({ status, message });

export const ERRORS = {
  WG_ERR_INVALID_PAYLOAD: e(400, 'The event data does not match its schema; see the message for the offending field.'),
  WG_ERR_TEXT_TOO_LONG: e(413, 'The message text is longer than MAX_TEXT_LENGTH; split it or raise the limit.'),
  WG_ERR_INVALID_CHANNEL: e(400, 'channelUUID must be a UUID such as 6f1c3d7e-8a2b-4c5d-9e0f-1a2b3c4d5e6f.'),
  WG_ERR_HOST_NOT_ALLOWED: e(403, 'hostApi is not an allowed platform; the operator must list its origin in PLATFORM_URL or PLATFORM_HOSTS.'),
  WG_ERR_SESSION_TAKEN: e(403, 'That session id belongs to someone else; register without an id to get a new session.'),
  WG_ERR_INVALID_SESSION_ID: e(400, 'A session id is 1-128 characters of [A-Za-z0-9_.@-].'),
  WG_ERR_NOT_REGISTERED: e(401, 'This socket has no session; emit registerUser first.'),
  WG_ERR_NOT_SESSION_OWNER: e(403, 'This socket may only act for the session its auth token names.'),
  WG_ERR_PUBLISH_FORBIDDEN: e(403, 'Clients may not publish to channels; use sendMessageToChannel.'),
  WG_ERR_UNKNOWN_EVENT: e(404, 'The gateway does not know this event.'),
  WG_ERR_UNAUTHORIZED: e(401, 'The Authorization header does not match WEBHOOK_TOKEN; send the token verbatim or as "Bearer <token>".'),
  WG_ERR_WEBHOOK_DISABLED: e(503, 'The webhook is disabled because WEBHOOK_TOKEN is not set.'),
  WG_ERR_MALFORMED_BODY: e(400, 'The body is not valid JSON or form-urlencoded data.'),
  WG_ERR_MISSING_FIELD: e(400, 'A required field is missing; the webhook needs "to" and "text".'),
  WG_ERR_UNKNOWN_SESSION: e(404, 'No session has that urn; the widget must register before messages can be sent to it.'),
  WG_ERR_BODY_TOO_LARGE: e(413, 'The request body exceeds MAX_WEBHOOK_BODY.'),
  WG_ERR_UNSUPPORTED_MEDIA_TYPE: e(415, 'Send application/json or application/x-www-form-urlencoded.'),
  WG_ERR_NOT_FOUND: e(404, 'No such route.'),
  WG_ERR_METHOD_NOT_ALLOWED: e(405, 'This route does not accept that method.'),
  WG_ERR_SHUTTING_DOWN: e(503, 'The gateway is shutting down; retry against another instance or in a moment.'),
  WG_ERR_STORE_UNAVAILABLE: e(503, 'The store did not accept the write; retry later.'),
  WG_ERR_NOT_REPLICATED: e(
    503,
    'The write reached the Redis primary but not REDIS_MIN_REPLICAS_ACK replicas in time, so it may not survive a failover; retry (platform messages are deduplicated by id).',
  ),
  WG_ERR_ORIGIN_NOT_ALLOWED: e(403, 'Pages of this origin may not open chat sockets; the operator must add it to ALLOWED_ORIGINS.'),
  WG_ERR_TOO_MANY_CONNECTIONS: e(429, 'Too many sockets are open from this address (MAX_CONNECTIONS_PER_IP); close some or ask the operator to raise it.'),
  WG_ERR_RATE_LIMITED: e(429, 'Too many events; slow down.'),
  // Admin API
  WG_ERR_INVALID_QUERY: e(400, 'A query parameter is not valid here; see the message.'),
  WG_ERR_UNKNOWN_OUTBOX_ENTRY: e(404, 'No outbox entry has that id; it may have been delivered, retried or pruned.'),
  WG_ERR_OUTBOX_NOT_FAILED: e(409, 'Only failed outbox entries can be retried; this one is still pending.'),
  WG_ERR_INVALID_CLIENT_MESSAGE_ID: e(400, 'A client message id is 1-64 characters of [A-Za-z0-9_.:-]; leave it out to send without one.'),
  WG_ERR_CLIENT_MESSAGE_ID_REUSED: e(409, 'This session already sent a different text with that client message id; give every message its own id.'),
  // Media (docs/media.md)
  WG_ERR_INVALID_MEDIA: e(415, 'The media is not a whole base64 data URL of an accepted type whose bytes match that type.'),
  WG_ERR_MEDIA_TOO_LARGE: e(413, 'The file is larger than MAX_MEDIA_BYTES.'),
  WG_ERR_MEDIA_BUDGET: e(429, 'This session sent more than MEDIA_BYTES_PER_HOUR of files in the last hour; wait, or ask the operator to raise it.'),
  WG_ERR_MEDIA_DISABLED: e(403, 'This gateway does not accept files (MAX_MEDIA_BYTES=0).'),
  WG_ERR_WIDGET_NOT_BUILT: e(503, 'The widget bundle is missing from dist/widget/; run `npm run build`.'),
  WG_ERR_INTERNAL: e(500, 'Unexpected internal error; it has been logged.'),
} satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** An error with a catalogue code. `detail` replaces the generic sentence where we know more. */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, detail?: string, options?: { cause: unknown }) {
    super(detail ?? ERRORS[code].message, options);
    this.name = 'GatewayError';
    this.code = code;
    this.status = ERRORS[code].status;
  }

  /** JSON body for HTTP responses. */
  toJSON(): { error: ErrorCode; message: string } {
    return { error: this.code, message: this.message };
  }

  /**
   * The error SocketCluster sends for a refused procedure, subscribe, publish or event: both
   * client generations hydrate `name` and `message` into an Error (subscribeFail etc.); `code`
   * travels along as a property.
   */
  toSocketError(): Error & { name: ErrorCode; code: ErrorCode } {
    return Object.assign(new Error(this.message), { name: this.code, code: this.code });
  }
}

export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError;
}

/** Wrap anything thrown into a GatewayError, keeping catalogue errors as they are (and anything else as its `cause`). */
export function asGatewayError(err: unknown): GatewayError {
  return isGatewayError(err) ? err : new GatewayError('WG_ERR_INTERNAL', undefined, { cause: err });
}
