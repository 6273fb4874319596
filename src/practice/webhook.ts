import { InfrastructureError, InvalidInputError } from '../errors.js';

/**
 * Posts `{"text": ...}` to a chat webhook: the shape Slack's incoming webhooks take, and Mattermost,
 * Rocket.Chat and most chat bridges accept. Throws an InfrastructureError saying what went wrong.
 */
export async function postWebhook(url: string, text: string, fetchImpl: typeof fetch = fetch): Promise<void> {
  let res: Response;
  try {
    res = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    const e = err as { cause?: { code?: string }; message?: string };
    throw new InfrastructureError(
      `The alert webhook ${redact(url)} cannot be reached: ${e.cause?.code ?? e.message ?? String(err)}.`,
      { cause: err },
    );
  }
  if (!res.ok) {
    const body = (await res.text().catch(() => '')).slice(0, 200);
    throw new InfrastructureError(
      `The alert webhook ${redact(url)} answered HTTP ${res.status}${body ? `: ${body}` : ''}.`,
    );
  }
}

/** Webhook URLs carry their secret in the path: show only the scheme and host in messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '<webhook>';
  }
}

export function checkWebhookUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InvalidInputError(`--webhook: ${JSON.stringify(url)} is not a URL.`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new InvalidInputError(`--webhook: expected an http(s) URL, got ${u.protocol}.`);
  return url;
}

/**
 * Sends alerts one after another in the order they fired, never throwing: a failing webhook must not stop
 * the practice session. Failures go to `onError`, once per distinct message.
 */
export class WebhookNotifier {
  private chain: Promise<void> = Promise.resolve();
  private lastError = '';
  sent = 0;

  constructor(
    private readonly url: string,
    private readonly onError: (message: string) => void,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  send(text: string): void {
    this.chain = this.chain.then(() =>
      postWebhook(this.url, text, this.fetchImpl).then(
        () => {
          this.sent++;
          this.lastError = '';
        },
        (err: unknown) => {
          const msg = (err as Error).message;
          if (msg !== this.lastError) this.onError(msg);
          this.lastError = msg;
        },
      ),
    );
  }

  /** Resolves once every alert queued so far has been sent or has failed. */
  flush(): Promise<void> {
    return this.chain;
  }
}
