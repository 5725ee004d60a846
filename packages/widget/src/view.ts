// The widget's DOM inside its shadow root: launcher, panel, message log, composer. It renders
// what the client holds; it never interprets message text as HTML (see linkify.ts).
import type { ChatMessage, ConnectionStatus } from '../../client/src/index.js';
import type { Strings } from './i18n.js';
import { linkify } from './linkify.js';
import { ACCEPT, renderAttachments, textBesideFiles } from './attachments.js';
import { css, type Colors } from './styles.js';

export interface ViewOptions {
  title?: string;
  subtitle?: string;
  welcome?: string;
  colors: Colors;
  position: 'left' | 'right';
  theme: 'light' | 'dark' | 'auto';
  language: string;
  strings: Strings;
}

export interface ViewActions {
  send(text: string): void;
  attach(file: File): void;
  retry(clientMessageId: string): void;
  opened(): void;
  closed(): void;
}

const ICON_CHAT = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>';
const ICON_CLOSE =
  '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6l5.6-5.6L5 6.4z"/></svg>';
const ICON_ATTACH =
  '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5H9v9a3 3 0 0 0 6 0V5a4.5 4.5 0 0 0-9 0v11.5a6 6 0 0 0 12 0v-10z"/></svg>';
const ICON_SEND = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M3 20.5V14l9-2-9-2V3.5L22 12z"/></svg>';

export class View {
  readonly host: HTMLElement;
  private readonly root: HTMLElement;
  private readonly launcher: HTMLButtonElement;
  private readonly badge: HTMLElement;
  private readonly panel: HTMLElement;
  private readonly log: HTMLElement;
  private readonly list: HTMLElement;
  private readonly typingEl: HTMLElement;
  private readonly statusEl: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly announcer: HTMLElement;
  private readonly notice: HTMLElement;
  private noticeTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly rendered = new Map<string, { el: HTMLElement; sig: string }>();
  private unread = 0;
  isOpen = false;

  get strings(): Strings {
    return this.o.strings;
  }

  constructor(
    private readonly doc: Document,
    private readonly o: ViewOptions,
    private readonly actions: ViewActions,
  ) {
    const s = o.strings;
    this.host = doc.createElement('div');
    this.host.id = 'webchat-gateway';
    const shadow = this.host.attachShadow({ mode: 'open' });
    const style = doc.createElement('style');
    style.textContent = css(o.colors, o.position);
    this.root = el(doc, 'div', 'root');
    this.root.lang = o.language;
    this.applyTheme();

    this.launcher = el(doc, 'button', 'launcher') as HTMLButtonElement;
    this.launcher.type = 'button';
    this.launcher.setAttribute('aria-label', s.open);
    this.launcher.setAttribute('aria-expanded', 'false');
    this.launcher.innerHTML = ICON_CHAT; // constant markup, no message content
    this.badge = el(doc, 'span', 'badge');
    this.badge.hidden = true;
    this.launcher.append(this.badge);

    this.panel = el(doc, 'div', 'panel');
    this.panel.id = 'wg-panel';
    this.panel.hidden = true;
    this.panel.setAttribute('role', 'dialog');
    this.panel.setAttribute('aria-label', o.title ?? s.title);
    this.launcher.setAttribute('aria-controls', 'wg-panel');

    const header = el(doc, 'div', 'header');
    const heading = el(doc, 'div', 'heading');
    const title = el(doc, 'h2', 'title');
    title.textContent = o.title ?? s.title;
    heading.append(title);
    if (o.subtitle) {
      const sub = el(doc, 'p', 'subtitle');
      sub.textContent = o.subtitle;
      heading.append(sub);
    }
    this.statusEl = el(doc, 'p', 'status');
    heading.append(this.statusEl);
    const close = el(doc, 'button', 'close') as HTMLButtonElement;
    close.type = 'button';
    close.setAttribute('aria-label', s.close);
    close.innerHTML = ICON_CLOSE;
    close.addEventListener('click', () => this.close());
    header.append(heading, close);

    this.log = el(doc, 'div', 'log');
    if (o.welcome) {
      const w = el(doc, 'p', 'welcome');
      w.textContent = o.welcome;
      this.log.append(w);
    }
    this.list = el(doc, 'div', 'msgs');
    this.list.setAttribute('role', 'log');
    this.list.setAttribute('aria-label', s.messages);
    this.list.style.cssText = 'display:flex;flex-direction:column;gap:8px';
    this.typingEl = el(doc, 'div', 'typing');
    this.typingEl.hidden = true;
    this.typingEl.innerHTML = '<span class="dots" aria-hidden="true"><i></i><i></i><i></i></span>';
    this.typingEl.append(doc.createTextNode(s.typing));
    this.log.append(this.list, this.typingEl);

    const form = el(doc, 'form', 'composer') as HTMLFormElement;
    const label = el(doc, 'label', 'sr');
    label.textContent = s.placeholder;
    label.setAttribute('for', 'wg-input');
    this.input = el(doc, 'textarea', '') as HTMLTextAreaElement;
    this.input.id = 'wg-input';
    this.input.rows = 1;
    this.input.placeholder = s.placeholder;
    this.input.maxLength = 4096;
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
    const send = el(doc, 'button', 'sendbtn') as HTMLButtonElement;
    send.type = 'submit';
    send.setAttribute('aria-label', s.send);
    send.innerHTML = ICON_SEND;
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = this.input.value;
      if (text.trim() === '') return;
      this.input.value = '';
      this.actions.send(text);
      this.input.focus();
    });
    const file = el(doc, 'input', '') as HTMLInputElement;
    file.type = 'file';
    file.hidden = true; // opened by the attach button
    file.setAttribute('aria-label', s.attach);
    file.accept = ACCEPT;
    file.tabIndex = -1;
    file.addEventListener('change', () => {
      const f = file.files?.[0];
      file.value = '';
      if (f) this.actions.attach(f);
    });
    const attach = el(doc, 'button', 'attachbtn') as HTMLButtonElement;
    attach.type = 'button';
    attach.setAttribute('aria-label', s.attach);
    attach.title = s.attach;
    attach.innerHTML = ICON_ATTACH;
    attach.addEventListener('click', () => file.click());
    this.notice = el(doc, 'p', 'notice');
    this.notice.hidden = true;
    this.notice.setAttribute('role', 'alert');
    form.append(label, file, attach, this.input, send);

    this.announcer = el(doc, 'div', 'sr');
    this.announcer.setAttribute('aria-live', 'polite');
    this.panel.append(header, this.log, this.notice, form);
    this.root.append(this.launcher, this.panel, this.announcer);
    shadow.append(style, this.root);

    this.launcher.addEventListener('click', () => (this.isOpen ? this.close() : this.open()));
    this.panel.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.close();
    });
  }

  open(): void {
    if (this.isOpen) return;
    this.isOpen = true;
    this.panel.hidden = false;
    this.root.classList.add('open');
    this.launcher.setAttribute('aria-expanded', 'true');
    this.launcher.setAttribute('aria-label', this.o.strings.close);
    this.setUnread(0);
    this.scrollDown();
    this.input.focus();
    this.actions.opened();
  }

  close(): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.panel.hidden = true;
    this.root.classList.remove('open');
    this.launcher.setAttribute('aria-expanded', 'false');
    this.launcher.setAttribute('aria-label', this.o.strings.open);
    this.launcher.focus();
    this.actions.closed();
  }

  setStatus(status: ConnectionStatus): void {
    const s = this.o.strings;
    this.statusEl.dataset['status'] = status;
    this.statusEl.replaceChildren(
      el(this.doc, 'span', 'dot'),
      this.doc.createTextNode(status === 'online' ? s.online : status === 'offline' ? s.offline : s.connecting),
    );
  }

  /** A short message above the composer (a file that could not be sent), gone after a while. */
  showNotice(text: string): void {
    this.notice.textContent = text;
    this.notice.hidden = false;
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => (this.notice.hidden = true), 8000);
  }

  setTyping(on: boolean): void {
    this.typingEl.hidden = !on;
    if (on) this.scrollDown();
  }

  /** A new platform message: announced, and counted as unread while the panel is closed. */
  incoming(m: ChatMessage): void {
    if (!this.isOpen) this.setUnread(this.unread + 1);
    this.announcer.textContent = `${this.o.title ?? this.o.strings.bot}: ${m.text}`;
  }

  /** Renders the conversation: only messages whose content or status changed are rebuilt. */
  render(messages: ChatMessage[]): void {
    const nearBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 80;
    const last = messages[messages.length - 1];
    const seen = new Set<string>();
    let prev: HTMLElement | null = null;
    for (const m of messages) {
      seen.add(m.key);
      const withQuick = m === last && m.direction === 'out' && (m.quickReplies?.length ?? 0) > 0;
      const files = (m.attachments ?? []).map((a) => a.url).join('\u0001');
      const sig = `${m.text}|${m.status ?? ''}|${m.time}|${withQuick ? m.quickReplies!.join('\u0001') : ''}|${files}`;
      let entry = this.rendered.get(m.key);
      if (!entry || entry.sig !== sig) {
        const fresh = this.message(m, withQuick);
        if (entry) entry.el.replaceWith(fresh);
        entry = { el: fresh, sig };
        this.rendered.set(m.key, entry);
      }
      const wanted: ChildNode | null = prev ? prev.nextSibling : this.list.firstChild;
      if (wanted !== entry.el) this.list.insertBefore(entry.el, wanted);
      prev = entry.el;
    }
    for (const [key, entry] of this.rendered) {
      if (!seen.has(key)) {
        entry.el.remove();
        this.rendered.delete(key);
      }
    }
    if (nearBottom || last?.direction === 'in') this.scrollDown();
  }

  private message(m: ChatMessage, withQuick: boolean): HTMLElement {
    const s = this.o.strings;
    const li = el(this.doc, 'div', `msg ${m.direction}${m.status ? ' ' + m.status : ''}`);
    li.dataset['key'] = m.key;
    const who = el(this.doc, 'span', 'sr');
    who.textContent = `${m.direction === 'in' ? s.you : (this.o.title ?? s.bot)}: `;
    const bubble = el(this.doc, 'div', 'bubble');
    if (m.attachments?.length) bubble.append(renderAttachments(this.doc, m.attachments, s.download));
    const text = textBesideFiles(m.text, m.attachments);
    if (text !== '') bubble.append(linkify(this.doc, text));
    const meta = el(this.doc, 'div', 'meta');
    const time = this.doc.createElement('time');
    time.dateTime = new Date(m.time).toISOString();
    time.textContent = new Date(m.time).toLocaleTimeString(this.o.language, { hour: 'numeric', minute: '2-digit' });
    meta.append(time);
    if (m.direction === 'in') {
      const mark = el(this.doc, 'span', `mark ${m.status ?? 'sent'}`);
      mark.textContent = m.status === 'sending' ? s.sending : m.status === 'failed' ? s.failed : `✓ ${s.sent}`;
      meta.append(mark);
      if (m.status === 'failed' && m.clientMessageId) {
        const retry = el(this.doc, 'button', 'retry') as HTMLButtonElement;
        retry.type = 'button';
        retry.textContent = s.retry;
        const id = m.clientMessageId;
        retry.addEventListener('click', () => this.actions.retry(id));
        meta.append(retry);
      }
    }
    li.append(who, bubble, meta);
    if (withQuick) {
      const quick = el(this.doc, 'div', 'quick');
      quick.setAttribute('role', 'group');
      quick.setAttribute('aria-label', s.quickReplies);
      for (const q of m.quickReplies!) {
        const b = el(this.doc, 'button', '') as HTMLButtonElement;
        b.type = 'button';
        b.textContent = q;
        b.addEventListener('click', () => this.actions.send(q));
        quick.append(b);
      }
      li.append(quick);
    }
    return li;
  }

  private setUnread(n: number): void {
    this.unread = n;
    this.badge.hidden = n === 0;
    this.badge.textContent = n > 99 ? '99+' : String(n);
    this.badge.setAttribute('aria-label', this.o.strings.unread(n));
    this.launcher.setAttribute(
      'aria-label',
      n > 0 && !this.isOpen ? `${this.o.strings.open} (${this.o.strings.unread(n)})` : this.isOpen ? this.o.strings.close : this.o.strings.open,
    );
  }

  private scrollDown(): void {
    this.log.scrollTop = this.log.scrollHeight;
  }

  private applyTheme(): void {
    const dark = this.o.theme === 'dark' || (this.o.theme === 'auto' && this.doc.defaultView?.matchMedia?.('(prefers-color-scheme: dark)').matches);
    this.root.classList.toggle('dark', !!dark);
    if (this.o.theme === 'auto') {
      this.doc.defaultView?.matchMedia?.('(prefers-color-scheme: dark)').addEventListener?.('change', (e) => this.root.classList.toggle('dark', e.matches));
    }
  }
}

function el(doc: Document, tag: string, className: string): HTMLElement {
  const e = doc.createElement(tag);
  if (className) e.className = className;
  return e;
}
