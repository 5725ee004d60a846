export { WebchatClient, socketUrl, type ClientOptions, type ClientEvents, type ConnectionStatus } from './client.js';
export { Conversation, type ChatMessage, type MessageStatus, type WireMessage } from './conversation.js';
export { Outbox, newClientMessageId, type OutboxEntry, type OutboxState } from './outbox.js';
export { Backoff, type BackoffOptions } from './backoff.js';
export { MemoryStorage, defaultStorage, type KeyValueStorage } from './storage.js';
export { ScSocket, CallError, type WebSocketLike, type WebSocketFactory } from './sc-socket.js';
export { FileError, DEFAULT_MAX_FILE_BYTES, type Attachment } from './files.js';
