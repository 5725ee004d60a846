// The built-in demo bot, used when no platform is configured: it answers like a small RapidPro
// flow (an echo plus quick replies), through the same path as a real platform's webhook, so the
// whole round trip can be tried with `npm start` alone.
import type { SessionRecord, StoredMessage } from '../store/store.js';
import type { ForwardEntry, ForwardMedia, ForwardResult, PlatformConnector } from './connector.js';
import type { PlatformMessage } from './normalize.js';

export const DEMO_BOT_NAME = 'demo-bot';
export const DEMO_QUICK_REPLIES = ['What can you do?', 'Tell me a joke', 'Bye'];

/** The bot's answer to one user text. Pure, so it can be tested on its own. */
export function demoReply(text: string): { text: string; quick_replies: string[] } {
  const t = text.trim().toLowerCase();
  if (t === 'bye') return { text: 'Bye! Write again whenever you like.', quick_replies: ['Hello again'] };
  if (t === 'what can you do?') {
    return {
      text: 'I am the demo bot of webchat-gateway. I echo what you write, so you can see a message go to the platform and a reply come back. Configure PLATFORM_URL to talk to a real RapidPro flow.',
      quick_replies: DEMO_QUICK_REPLIES,
    };
  }
  if (t === 'tell me a joke') {
    return { text: 'Why did the WebSocket stay calm? It always answered its pings.', quick_replies: DEMO_QUICK_REPLIES };
  }
  return { text: `You said: ${text}`, quick_replies: DEMO_QUICK_REPLIES };
}

/** The bot's answer to a file: the file sent back, as a platform sends media (WWC message + attachments). */
export function mediaReply(media: ForwardMedia): {
  text: string;
  quick_replies: string[];
  attachments: { type: string; url: string }[];
  message: Record<string, unknown>;
} {
  const text = `You sent ${media.kind === 'image' ? 'an image' : media.kind === 'audio' ? 'an audio file' : media.kind === 'video' ? 'a video' : 'a file'} (${media.contentType}).`;
  return {
    text,
    quick_replies: DEMO_QUICK_REPLIES,
    attachments: [{ type: media.kind, url: media.url }],
    message: { type: media.kind, media_url: media.url, caption: text, quick_replies: DEMO_QUICK_REPLIES },
  };
}

export class DemoBotConnector implements PlatformConnector {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly deliver: (message: PlatformMessage) => Promise<unknown>,
    private readonly delayMs: number,
    /** Shows the bot typing while it "thinks" (DEMO_BOT_DELAY). */
    private readonly typing: (urn: string) => void = () => {},
  ) {}

  async forward(entry: ForwardEntry, session: SessionRecord): Promise<ForwardResult> {
    const reply = entry.media ? mediaReply(entry.media) : demoReply(entry.text);
    this.typing(entry.urn);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.deliver({
        // Derived from the user message, so a retried forward cannot produce a second reply.
        id: `demo-${entry.messageId}`,
        to: entry.urn,
        from: DEMO_BOT_NAME,
        channel: session.channelUuid,
        ...reply,
      }).catch(() => {});
    }, this.delayMs);
    this.timers.add(timer);
    return { outcome: 'accepted' };
  }

  async reportStatus(_kind: string, _message: StoredMessage, _session: SessionRecord): Promise<ForwardResult> {
    return { outcome: 'accepted' };
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
