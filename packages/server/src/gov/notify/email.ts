/** E-mail through a real SMTP server (nodemailer): the server named by SHUZHI_SMTP_URL. */
import nodemailer, { type Transporter } from 'nodemailer';

export interface EmailMessage {
  /** Outbox row id, also the Message-ID's local part: a resent message keeps its identity. */
  id: string;
  to: string;
  subject: string;
  text: string;
}

export interface EmailSender {
  send(m: EmailMessage): Promise<void>;
  close(): void;
}

/** A failure the SMTP server called permanent (5xx): retrying the same message cannot help. */
export function permanentSmtpFailure(err: unknown): boolean {
  const code = (err as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

export function smtpSender(url: string, from: string): EmailSender {
  const transport: Transporter = nodemailer.createTransport(url);
  const domain = from.match(/@([^>\s]+)/)?.[1] ?? 'shuzhi.invalid';
  return {
    async send(m) {
      await transport.sendMail({ from, to: m.to, subject: m.subject, text: m.text, messageId: `<${m.id}@${domain}>` });
    },
    close: () => transport.close(),
  };
}

/** Where the SMTP server is, without its credentials: for the start banner and logs. */
export function smtpDescription(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.hostname}${u.port ? `:${u.port}` : ''}`;
}
