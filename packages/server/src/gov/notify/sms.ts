/** SMS behind one interface: a carrier's gateway would implement SmsProvider; the platform ships only a local sink. */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface SmsMessage {
  /** Outbox row id: a carrier that deduplicates gets the same id on a retry. */
  id: string;
  to: string;
  text: string;
}

export interface SmsProvider {
  /** Said at start and in the operators' outbox view. */
  readonly description: string;
  send(m: SmsMessage): Promise<void>;
}

/**
 * Not a carrier: appends each message as one JSON line to a local file (mode 0600, it holds phone numbers),
 * so demos and tests can see what would have been texted. Nothing leaves the machine.
 */
export class LocalSmsSink implements SmsProvider {
  readonly description: string;

  constructor(readonly file: string) {
    this.description = `LocalSmsSink (no carrier: messages are written to ${file})`;
  }

  async send(m: SmsMessage): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    await appendFile(this.file, `${JSON.stringify({ id: m.id, to: m.to, text: m.text, at: new Date().toISOString() })}\n`, { mode: 0o600 });
  }
}
