// Schemas of everything a client or the platform can send us. Validation happens at the edge;
// past it the code works with typed values only.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import { GatewayError, type ErrorCode } from '../errors/catalogue.js';
import { SESSION_ID_CHARS, SESSION_ID_MAX_LENGTH } from '../sessions/ids.js';

const ajv = new Ajv({ allErrors: false, coerceTypes: false, strict: true });

const SessionId = Type.String({ minLength: 1, maxLength: SESSION_ID_MAX_LENGTH, pattern: `^[${SESSION_ID_CHARS}]+$` });
const Seq = Type.Integer({ minimum: 0 });

export const RegisterUserData = Type.Object(
  {
    id: Type.Optional(SessionId),
    channelUUID: Type.Optional(Type.String({ maxLength: 64 })),
    hostApi: Type.Optional(Type.String({ maxLength: 2048 })),
  },
  { additionalProperties: true },
);
export type RegisterUserData = Static<typeof RegisterUserData>;

export const SendMessageData = Type.Object(
  {
    // Length is checked separately against MAX_TEXT_LENGTH, with its own error code. With
    // `media` (a data URL, checked by the core) the text is the file's caption and may be left out.
    text: Type.Optional(Type.String()),
    media: Type.Optional(Type.String({ minLength: 1 })),
    userUrn: SessionId,
  },
  { additionalProperties: true },
);
export type SendMessageData = Static<typeof SendMessageData>;

export const GetHistoryData = Type.Object(
  {
    since: Type.Optional(Seq),
    before: Type.Optional(Seq),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);
export type GetHistoryData = Static<typeof GetHistoryData>;

const Scalar = Type.Union([Type.String({ maxLength: 1024 }), Type.Number()]);

/** The platform's webhook body after form fields were folded into an object. */
export const WebhookBody = Type.Object(
  {
    to: Type.String({ minLength: 1, maxLength: 160 }),
    text: Type.String(),
    id: Type.Optional(Scalar),
    from: Type.Optional(Scalar),
    channel: Type.Optional(Scalar),
    quick_replies: Type.Optional(Type.Union([Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 100 }), Type.String(), Type.Null()])),
    quick_reply: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 100 })])),
  },
  { additionalProperties: true },
);
export type WebhookBody = Static<typeof WebhookBody>;

/** Compiles a schema into a function that returns the typed value or throws a GatewayError. */
export function validator<S extends TSchema>(schema: S, code: ErrorCode = 'WG_ERR_INVALID_PAYLOAD', what = 'data') {
  const check: ValidateFunction = ajv.compile(schema);
  return (value: unknown): Static<S> => {
    if (check(value)) return value;
    const e = check.errors?.[0];
    const path = e?.instancePath ? `${what}${e.instancePath.replace(/\//g, '.')}` : what;
    const extra = e?.keyword === 'required' ? ` (${(e.params as { missingProperty: string }).missingProperty})` : '';
    throw new GatewayError(code, `${path} ${e?.message ?? 'is invalid'}${extra}`);
  };
}
