// /widget.js: the chat widget of webchat-gateway, one script tag on any site.
//
//   <script src="https://chat.example.org/widget.js" data-channel-uuid="…" async></script>
// or
//   <script src="https://chat.example.org/widget.js" data-manual></script>
//   <script>WebchatGateway.init({ channelUuid: '…', title: 'Help', language: 'pt' })</script>
//
// then WebchatGateway.open(), .close(), .send(text), .on(event, fn).
import { WebchatClient, type ChatMessage, type ConnectionStatus } from '../../client/src/index.js';
import { LANGUAGES, pickLanguage } from './i18n.js';
import type { Colors } from './styles.js';
import { View } from './view.js';

declare const WIDGET_VERSION: string;

export interface WidgetConfig {
  /** The gateway's base URL; default: where widget.js was loaded from. */
  url?: string;
  channelUuid?: string;
  hostApi?: string;
  title?: string;
  subtitle?: string;
  /** A line shown above the conversation. */
  welcome?: string;
  colors?: Colors;
  /** 'en', 'pt' or 'es'; default: the browser's languages, else English. */
  language?: string;
  position?: 'left' | 'right';
  theme?: 'light' | 'dark' | 'auto';
  /** Open the panel at once. */
  open?: boolean;
  /** Largest file the attach button sends (bytes); keep it within the gateway's MAX_PAYLOAD. */
  maxFileBytes?: number;
}

type WidgetEvent = 'open' | 'close' | 'message' | 'send' | 'status' | 'typing';
type Handler = (data?: unknown) => void;

const handlers = new Map<WidgetEvent, Set<Handler>>();
let current: { client: WebchatClient; view: View } | undefined;
const script = document.currentScript as HTMLScriptElement | null;

function emit(event: WidgetEvent, data?: unknown): void {
  for (const fn of handlers.get(event) ?? []) {
    try {
      fn(data);
    } catch (err) {
      console.error('[webchat-gateway] handler failed', err);
    }
  }
}

function init(config: WidgetConfig = {}): void {
  destroy();
  const url = config.url ?? (script?.src ? new URL(script.src, location.href).origin : location.origin);
  const language = pickLanguage(config.language, navigator.languages ?? [navigator.language]);
  const client = new WebchatClient({
    url,
    ...(config.channelUuid ? { channelUuid: config.channelUuid } : {}),
    ...(config.hostApi ? { hostApi: config.hostApi } : {}),
    ...(config.maxFileBytes ? { maxFileBytes: config.maxFileBytes } : {}),
  });
  const view = new View(
    document,
    {
      ...(config.title !== undefined ? { title: config.title } : {}),
      ...(config.subtitle !== undefined ? { subtitle: config.subtitle } : {}),
      ...(config.welcome !== undefined ? { welcome: config.welcome } : {}),
      colors: config.colors ?? {},
      position: config.position === 'left' ? 'left' : 'right',
      theme: config.theme ?? 'auto',
      language,
      strings: LANGUAGES[language]!,
    },
    {
      send: (text) => send(text),
      attach: (file) => {
        client.sendFile(file).then(
          (m) => emit('send', m),
          (err: unknown) => view.showNotice(`${view.strings.fileFailed}: ${(err as Error).message}`),
        );
      },
      retry: (id) => client.retry(id),
      opened: () => emit('open'),
      closed: () => emit('close'),
    },
  );
  current = { client, view };
  client.on('change', (messages: ChatMessage[]) => view.render(messages));
  client.on('message', (m: ChatMessage) => {
    view.incoming(m);
    emit('message', m);
  });
  client.on('status', (s: ConnectionStatus) => {
    view.setStatus(s);
    view.host.dataset['status'] = s;
    emit('status', s);
  });
  client.on('typing', (on: boolean) => {
    view.setTyping(on);
    emit('typing', on);
  });
  view.setStatus(client.status);
  view.render(client.messages());
  document.body.append(view.host);
  client.start();
  if (config.open) view.open();
}

function destroy(): void {
  if (!current) return;
  current.client.stop();
  current.view.host.remove();
  current = undefined;
}

function send(text: string): void {
  if (!current) throw new Error('WebchatGateway.init() first');
  const m = current.client.send(text);
  emit('send', m);
}

/** Options from the script tag's data-* attributes. */
function fromScript(el: HTMLScriptElement): WidgetConfig {
  const d = el.dataset;
  const c: WidgetConfig = {};
  if (d['gateway']) c.url = d['gateway'];
  if (d['channelUuid']) c.channelUuid = d['channelUuid'];
  if (d['hostApi']) c.hostApi = d['hostApi'];
  if (d['title']) c.title = d['title'];
  if (d['subtitle']) c.subtitle = d['subtitle'];
  if (d['welcome']) c.welcome = d['welcome'];
  if (d['language']) c.language = d['language'];
  if (d['position'] === 'left' || d['position'] === 'right') c.position = d['position'];
  if (d['theme'] === 'light' || d['theme'] === 'dark' || d['theme'] === 'auto') c.theme = d['theme'];
  if (d['color']) c.colors = { primary: d['color'] };
  if (d['open'] !== undefined && d['open'] !== 'false') c.open = true;
  if (d['maxFileBytes'] && /^\d+$/.test(d['maxFileBytes'])) c.maxFileBytes = Number(d['maxFileBytes']);
  return c;
}

const api = {
  version: typeof WIDGET_VERSION === 'string' ? WIDGET_VERSION : 'dev',
  init,
  destroy,
  send,
  open: () => current?.view.open(),
  close: () => current?.view.close(),
  on(event: WidgetEvent, fn: Handler): () => void {
    let set = handlers.get(event);
    if (!set) handlers.set(event, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  },
  /** The client library instance (conversation, outbox, status), for integrations and tests. */
  get client(): WebchatClient | undefined {
    return current?.client;
  },
};

(window as unknown as { WebchatGateway: typeof api }).WebchatGateway = api;

if (script && script.dataset['manual'] === undefined) {
  const start = () => init(fromScript(script));
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start, { once: true });
}
