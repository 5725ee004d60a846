// The widget's stylesheet, inside its shadow root: the host page's rules do not reach in (the
// host element itself is reset with !important, which wins over the page's !important there),
// and these rules do not reach out.

export interface Colors {
  primary?: string;
  onPrimary?: string;
}

export function css(colors: Colors, position: 'left' | 'right'): string {
  const side = position === 'left' ? 'left' : 'right';
  return `
:host { all: initial !important; display: contents !important; }
.root {
  --wg-primary: ${safeColor(colors.primary) ?? '#1a5dc8'};
  --wg-on-primary: ${safeColor(colors.onPrimary) ?? '#ffffff'};
  --wg-bg: #ffffff; --wg-fg: #1b1f24; --wg-muted: #5b6470; --wg-line: #d8dee4;
  --wg-bot-bg: #eef1f4; --wg-bot-fg: #1b1f24; --wg-error: #b42318;
  all: initial; display: block;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--wg-fg); -webkit-font-smoothing: antialiased;
}
.root.dark {
  --wg-bg: #16191d; --wg-fg: #e8eaed; --wg-muted: #a3acb7; --wg-line: #343a42;
  --wg-bot-bg: #272c33; --wg-bot-fg: #e8eaed; --wg-error: #ff8a80;
}
* { box-sizing: border-box; font: inherit; color: inherit; margin: 0; padding: 0; }
[hidden] { display: none !important; }
.launcher {
  position: fixed; bottom: 20px; ${side}: 20px; z-index: 2147483000;
  width: 60px; height: 60px; border-radius: 50%; border: 0; cursor: pointer; display: grid; place-items: center;
  background: var(--wg-primary); color: var(--wg-on-primary); box-shadow: 0 6px 20px rgba(0,0,0,.25);
}
.launcher svg { width: 28px; height: 28px; fill: currentColor; }
.badge {
  position: absolute; top: -4px; ${side === 'right' ? 'left' : 'right'}: -4px; min-width: 22px; height: 22px; padding: 0 6px;
  border-radius: 11px; background: #d92d20; color: #fff; font-size: 12px; font-weight: 700; line-height: 22px; text-align: center;
}
.panel {
  position: fixed; bottom: 92px; ${side}: 20px; z-index: 2147483001; width: 370px; height: min(600px, calc(100vh - 112px));
  display: flex; flex-direction: column; overflow: hidden; border-radius: 14px;
  background: var(--wg-bg); color: var(--wg-fg); box-shadow: 0 12px 40px rgba(0,0,0,.28); border: 1px solid var(--wg-line);
}
.header { display: flex; align-items: center; gap: 10px; padding: 14px 14px 12px 16px; background: var(--wg-primary); color: var(--wg-on-primary); }
.heading { flex: 1; min-width: 0; }
.title { display: block; font-size: 16px; font-weight: 650; line-height: 1.25; }
.subtitle { display: block; font-size: 13px; }
.status { display: flex; align-items: center; gap: 6px; font-size: 12px; margin-top: 2px; }
.dot { width: 8px; height: 8px; border-radius: 50%; background: #f5b400; flex: none; }
.status[data-status="online"] .dot { background: #3ccf6e; }
.status[data-status="offline"] .dot { background: #ff6b6b; }
.close { flex: none; width: 36px; height: 36px; border-radius: 8px; border: 0; background: transparent; color: inherit; cursor: pointer; display: grid; place-items: center; }
.close:hover { background: rgba(255,255,255,.15); }
.close svg { width: 20px; height: 20px; fill: currentColor; }
.log { flex: 1; overflow-y: auto; padding: 14px 12px 6px; display: flex; flex-direction: column; gap: 8px; overscroll-behavior: contain; }
.welcome { align-self: center; text-align: center; color: var(--wg-muted); font-size: 13px; padding: 4px 12px 8px; }
.msg { display: flex; flex-direction: column; max-width: 82%; }
.msg.out { align-self: flex-start; }
.msg.in { align-self: flex-end; align-items: flex-end; }
.bubble { padding: 8px 12px; border-radius: 16px; white-space: pre-wrap; overflow-wrap: anywhere; }
.msg.out .bubble { background: var(--wg-bot-bg); color: var(--wg-bot-fg); border-bottom-left-radius: 4px; }
.msg.in .bubble { background: var(--wg-primary); color: var(--wg-on-primary); border-bottom-right-radius: 4px; }
.msg.in.sending .bubble { opacity: .9; }
.msg.in.failed .bubble { background: transparent; color: var(--wg-fg); border: 1px dashed var(--wg-error); }
.bubble a { color: inherit; text-decoration: underline; }
.meta { display: flex; gap: 6px; align-items: center; font-size: 11.5px; color: var(--wg-muted); margin: 2px 6px 0; }
.meta .failed { color: var(--wg-error); }
.retry { border: 0; background: transparent; color: var(--wg-primary); text-decoration: underline; cursor: pointer; font-size: 11.5px; padding: 2px; }
.root.dark .retry { color: #8ab4ff; }
.quick { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 6px; }
.quick button {
  border: 1px solid var(--wg-primary); background: var(--wg-bg); color: var(--wg-primary); border-radius: 16px;
  padding: 6px 12px; cursor: pointer; font-size: 14px; line-height: 1.2;
}
.root.dark .quick button { color: #8ab4ff; border-color: #8ab4ff; }
.quick button:hover { background: var(--wg-primary); color: var(--wg-on-primary); }
.typing { align-self: flex-start; display: flex; align-items: center; gap: 8px; color: var(--wg-muted); font-size: 13px; padding: 2px 4px; }
.dots { display: inline-flex; gap: 3px; background: var(--wg-bot-bg); padding: 10px 12px; border-radius: 16px; }
.dots i { width: 6px; height: 6px; border-radius: 50%; background: var(--wg-muted); animation: wg-bounce 1.2s infinite ease-in-out; }
.dots i:nth-child(2) { animation-delay: .15s; } .dots i:nth-child(3) { animation-delay: .3s; }
@keyframes wg-bounce { 0%, 80%, 100% { transform: translateY(0); opacity: .5; } 40% { transform: translateY(-4px); opacity: 1; } }
@media (prefers-reduced-motion: reduce) { .dots i { animation: none; } }
.composer { display: flex; gap: 8px; align-items: flex-end; padding: 10px 12px 12px; border-top: 1px solid var(--wg-line); background: var(--wg-bg); }
.composer textarea {
  flex: 1; resize: none; min-height: 40px; max-height: 120px; padding: 9px 12px; border-radius: 20px;
  border: 1px solid var(--wg-line); background: var(--wg-bg); color: var(--wg-fg); line-height: 1.35;
}
.composer textarea::placeholder { color: var(--wg-muted); opacity: 1; }
.sendbtn { flex: none; width: 40px; height: 40px; border-radius: 50%; border: 0; background: var(--wg-primary); color: var(--wg-on-primary); cursor: pointer; display: grid; place-items: center; }
.sendbtn svg { width: 20px; height: 20px; fill: currentColor; }
.attachbtn { flex: none; width: 36px; height: 40px; border: 0; background: transparent; color: var(--wg-muted); cursor: pointer; display: grid; place-items: center; }
.attachbtn svg { width: 22px; height: 22px; fill: currentColor; }
.attachbtn:hover { color: var(--wg-primary); }
.files { display: flex; flex-direction: column; gap: 6px; }
.files + * { margin-top: 6px; }
.file-image { display: block; max-width: 100%; max-height: 240px; border-radius: 8px; }
.file-audio { width: 240px; max-width: 100%; }
.file-video { max-width: 100%; max-height: 240px; border-radius: 8px; }
.file-link { color: inherit; text-decoration: underline; word-break: break-all; }
.notice { margin: 0; padding: 6px 12px; font-size: 13px; color: #b00020; background: var(--wg-bg); }
button:focus-visible, a:focus-visible { outline: 3px solid #f5b400; outline-offset: 2px; }
.composer textarea:focus { outline: none; border-color: var(--wg-primary); box-shadow: 0 0 0 2px var(--wg-primary); }
.root.dark .composer textarea:focus { border-color: #8ab4ff; box-shadow: 0 0 0 2px #8ab4ff; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; }
@media (max-width: 480px) {
  .panel { inset: 0; width: 100%; height: 100%; border-radius: 0; border: 0; }
  .root.open .launcher { display: none; }
}
`;
}

/** Only plain color values reach the stylesheet (no url(), no rule breaks). */
function safeColor(value: string | undefined): string | undefined {
  return value !== undefined && /^(#[0-9a-f]{3,8}|[a-z]+|(rgb|hsl)a?\([\d\s.,%]+\))$/i.test(value.trim()) ? value.trim() : undefined;
}
