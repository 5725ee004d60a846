// The widget's strings in English, Portuguese and Spanish; chosen by the `language` option or the
// browser's languages, English otherwise.

export interface Strings {
  open: string;
  close: string;
  title: string;
  placeholder: string;
  send: string;
  sending: string;
  sent: string;
  failed: string;
  retry: string;
  typing: string;
  online: string;
  connecting: string;
  offline: string;
  unread: (n: number) => string;
  you: string;
  bot: string;
  messages: string;
  quickReplies: string;
  attach: string;
  download: string;
  fileFailed: string;
}

const en: Strings = {
  open: 'Open chat',
  close: 'Close chat',
  title: 'Chat with us',
  placeholder: 'Write a message…',
  send: 'Send',
  sending: 'Sending…',
  sent: 'Sent',
  failed: 'Not sent.',
  retry: 'Retry',
  typing: 'typing…',
  online: 'Online',
  connecting: 'Connecting…',
  offline: 'Offline: messages will be sent when the connection is back',
  unread: (n) => (n === 1 ? '1 unread message' : `${n} unread messages`),
  you: 'You',
  bot: 'Bot',
  messages: 'Messages',
  quickReplies: 'Suggested replies',
  attach: 'Attach a file',
  download: 'Download',
  fileFailed: 'The file was not sent',
};

const pt: Strings = {
  open: 'Abrir chat',
  close: 'Fechar chat',
  title: 'Fale conosco',
  placeholder: 'Escreva uma mensagem…',
  send: 'Enviar',
  sending: 'Enviando…',
  sent: 'Enviada',
  failed: 'Não enviada.',
  retry: 'Tentar de novo',
  typing: 'digitando…',
  online: 'Online',
  connecting: 'Conectando…',
  offline: 'Sem conexão: as mensagens serão enviadas quando ela voltar',
  unread: (n) => (n === 1 ? '1 mensagem não lida' : `${n} mensagens não lidas`),
  you: 'Você',
  bot: 'Bot',
  messages: 'Mensagens',
  quickReplies: 'Respostas sugeridas',
  attach: 'Anexar um arquivo',
  download: 'Baixar',
  fileFailed: 'O arquivo não foi enviado',
};

const es: Strings = {
  open: 'Abrir chat',
  close: 'Cerrar chat',
  title: 'Escríbenos',
  placeholder: 'Escribe un mensaje…',
  send: 'Enviar',
  sending: 'Enviando…',
  sent: 'Enviado',
  failed: 'No enviado.',
  retry: 'Reintentar',
  typing: 'escribiendo…',
  online: 'En línea',
  connecting: 'Conectando…',
  offline: 'Sin conexión: los mensajes se enviarán cuando vuelva',
  unread: (n) => (n === 1 ? '1 mensaje sin leer' : `${n} mensajes sin leer`),
  you: 'Tú',
  bot: 'Bot',
  messages: 'Mensajes',
  quickReplies: 'Respuestas sugeridas',
  attach: 'Adjuntar un archivo',
  download: 'Descargar',
  fileFailed: 'El archivo no se envió',
};

export const LANGUAGES: Record<string, Strings> = { en, pt, es };

/** 'pt-BR' -> pt; unknown -> the browser's first known language -> en. */
export function pickLanguage(wanted: string | undefined, browser: readonly string[] = []): string {
  for (const tag of [wanted, ...browser]) {
    const base = (tag ?? '').toLowerCase().split(/[-_]/)[0]!;
    if (base in LANGUAGES) return base;
  }
  return 'en';
}
