// The one place where every error the gateway can report is defined: a stable code, the HTTP
// status it maps to on the webhook/admin API, and a sentence that says what to do about it.
// Widgets see the same code in SocketCluster error frames (see toSocketError / toRegisterReply).

export interface ErrorSpec {
  readonly status: number;
  readonly message: string;
}

export const ERRORS = {
  WG_ERR_INVALID_PAYLOAD: { status: 400, message: 'The event data does not match its schema; see the message for the offending field.' },
  WG_ERR_TEXT_TOO_LONG: { status: 413, message: 'The message text is longer than MAX_TEXT_LENGTH; split it or raise the limit.' },
  WG_ERR_INVALID_CHANNEL: { status: 400, message: 'channelUUID must be a UUID such as 6f1c3d7e-8a2b-4c5d-9e0f-1a2b3c4d5e6f.' },
  WG_ERR_HOST_NOT_ALLOWED: { status: 403, message: 'hostApi is not an allowed platform; the operator must list its origin in PLATFORM_URL or PLATFORM_HOSTS.' },
  WG_ERR_NO_PLATFORM: { status: 503, message: 'No platform is configured for this session; set PLATFORM_URL or name an allowed hostApi.' },
  WG_ERR_SESSION_TAKEN: { status: 403, message: 'That session id belongs to someone else; register without an id to get a new session.' },
  WG_ERR_INVALID_SESSION_ID: { status: 400, message: 'A session id is 1-128 characters of [A-Za-z0-9_.@-].' },
  WG_ERR_NOT_REGISTERED: { status: 401, message: 'This socket has no session; emit registerUser first.' },
  WG_ERR_NOT_SESSION_OWNER: { status: 403, message: 'This socket may only act for the session its auth token names.' },
  WG_ERR_PUBLISH_FORBIDDEN: { status: 403, message: 'Clients may not publish to channels; use sendMessageToChannel.' },
  WG_ERR_UNKNOWN_EVENT: { status: 404, message: 'The gateway does not know this event.' },
  WG_ERR_UNAUTHORIZED: { status: 401, message: 'The Authorization header does not match WEBHOOK_TOKEN; send the token verbatim or as "Bearer <token>".' },
  WG_ERR_WEBHOOK_DISABLED: { status: 503, message: 'The webhook is disabled because WEBHOOK_TOKEN is not set.' },
  WG_ERR_MALFORMED_BODY: { status: 400, message: 'The body is not valid JSON or form-urlencoded data.' },
  WG_ERR_MISSING_FIELD: { status: 400, message: 'A required field is missing; the webhook needs "to" and "text".' },
  WG_ERR_UNKNOWN_SESSION: { status: 404, message: 'No session has that urn; the widget must register before messages can be sent to it.' },
  WG_ERR_BODY_TOO_LARGE: { status: 413, message: 'The request body exceeds MAX_WEBHOOK_BODY.' },
  WG_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send application/json or application/x-www-form-urlencoded.' },
  WG_ERR_NOT_FOUND: { status: 404, message: 'No such route.' },
  WG_ERR_METHOD_NOT_ALLOWED: { status: 405, message: 'This route does not accept that method.' },
  WG_ERR_SHUTTING_DOWN: { status: 503, message: 'The gateway is shutting down; retry against another instance or in a moment.' },
  WG_ERR_STORE_UNAVAILABLE: { status: 503, message: 'The store did not accept the write; retry later.' },
  WG_ERR_NOT_REPLICATED: {
    status: 503,
    message:
      'The write reached the Redis primary but not REDIS_MIN_REPLICAS_ACK replicas in time, so it may not survive a failover; retry (platform messages are deduplicated by id).',
  },
  WG_ERR_ORIGIN_NOT_ALLOWED: { status: 403, message: 'Pages of this origin may not open chat sockets; the operator must add it to ALLOWED_ORIGINS.' },
  WG_ERR_TOO_MANY_CONNECTIONS: {
    status: 429,
    message: 'Too many sockets are open from this address (MAX_CONNECTIONS_PER_IP); close some or ask the operator to raise it.',
  },
  WG_ERR_RATE_LIMITED: { status: 429, message: 'Too many events; slow down.' },
  // Admin API
  WG_ERR_INVALID_QUERY: { status: 400, message: 'A query parameter is not valid here; see the message.' },
  WG_ERR_UNKNOWN_OUTBOX_ENTRY: { status: 404, message: 'No outbox entry has that id; it may have been delivered, retried or pruned.' },
  WG_ERR_OUTBOX_NOT_FAILED: { status: 409, message: 'Only failed outbox entries can be retried; this one is still pending.' },
  WG_ERR_INVALID_CLIENT_MESSAGE_ID: { status: 400, message: 'A client message id is 1-64 characters of [A-Za-z0-9_.:-]; leave it out to send without one.' },
  WG_ERR_CLIENT_MESSAGE_ID_REUSED: {
    status: 409,
    message: 'This session already sent a different text with that client message id; give every message its own id.',
  },
  // Media (docs/media.md)
  WG_ERR_INVALID_MEDIA: { status: 415, message: 'The media is not a whole base64 data URL of an accepted type whose bytes match that type.' },
  WG_ERR_MEDIA_TOO_LARGE: { status: 413, message: 'The file is larger than MAX_MEDIA_BYTES.' },
  WG_ERR_MEDIA_BUDGET: {
    status: 429,
    message: 'This session sent more than MEDIA_BYTES_PER_HOUR of files in the last hour; wait, or ask the operator to raise it.',
  },
  WG_ERR_MEDIA_DISABLED: { status: 403, message: 'This gateway does not accept files (MAX_MEDIA_BYTES=0).' },
  WG_ERR_WIDGET_NOT_BUILT: { status: 503, message: 'The widget bundle is missing from dist/widget/; run `npm run build`.' },
  WG_ERR_INTERNAL: { status: 500, message: 'Unexpected internal error; it has been logged.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** An error with a catalogue code. `detail` replaces the generic sentence where we know more. */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, detail?: string) {
    super(detail ?? ERRORS[code].message);
    this.name = 'GatewayError';
    this.code = code;
    this.status = ERRORS[code].status;
  }

  /** JSON body for HTTP responses. */
  toJSON(): { error: ErrorCode; message: string } {
    return { error: this.code, message: this.message };
  }

  /**
   * Error frame for SocketCluster procedures. Both client generations hydrate an object with
   * `name` and `message` into an Error; `code` travels along as a property.
   */
  toSocketError(): { name: ErrorCode; message: string; code: ErrorCode } {
    return { name: this.code, message: this.message, code: this.code };
  }
}

export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError;
}

/** Wrap anything thrown into a GatewayError, keeping catalogue errors as they are. */
export function asGatewayError(err: unknown): GatewayError {
  return isGatewayError(err) ? err : new GatewayError('WG_ERR_INTERNAL');
}
