// What must never leave the API in a log record or an error body: every API key and webhook
// signing secret the suite made, and what clients sent in request bodies (each body the suite
// sends carries a canary, a random token that only the body holds). The watch collects the
// secrets and the texts to search (the servers' whole output, every error body received) and
// reports where a secret turned up.

import { randomBytes } from "node:crypto";

/** Anything shaped like one of our keys or secrets, even one the suite did not make (a fuzzed key). */
const SECRET_SHAPES = [/wbk_[0-9A-Za-z]{16,}/, /whsec_[0-9A-Za-z+/=]{16,}/, /cnry[0-9a-f]{24}/];

export class SecretWatch {
  private readonly secrets = new Map<string, string>();
  private readonly texts: Array<{ where: string; text: () => string }> = [];
  private readonly errorBodies: string[] = [];

  /** An API key, a webhook secret, or a body canary; `kind` says which in a finding. */
  secret(kind: string, value: string): string {
    this.secrets.set(value, kind);
    return value;
  }

  /**
   * A fresh canary for a request body: `cnry` + 24 hex digits. Found by its shape, wherever it
   * turns up, so there is no need to remember each one.
   */
  canary(): string {
    return `cnry${randomBytes(12).toString("hex")}`;
  }

  /** A text to search when the suite ends (read then: a server's output keeps growing). */
  watch(where: string, text: () => string): void {
    this.texts.push({ where, text });
  }

  /** An error response's body, as received. */
  errorBody(body: string): void {
    this.errorBodies.push(body);
  }

  get counts(): { secrets: number; errorBodies: number; logBytes: number } {
    return {
      secrets: this.secrets.size,
      errorBodies: this.errorBodies.length,
      logBytes: this.texts.reduce((sum, { text }) => sum + text().length, 0),
    };
  }

  /** Where a secret (or anything shaped like one) appeared: empty when nowhere. */
  findings(): string[] {
    const found: string[] = [];
    const search = (where: string, text: string) => {
      const context = (at: number) => JSON.stringify(text.slice(Math.max(0, at - 80), at + 40));
      for (const [secret, kind] of this.secrets) {
        const at = text.indexOf(secret);
        if (at >= 0) found.push(`${kind} in ${where}: ${context(at)}`);
      }
      for (const shape of SECRET_SHAPES) {
        const match = shape.exec(text);
        if (match) found.push(`something shaped like a secret (${match[0].slice(0, 10)}…) in ${where}: ${context(match.index)}`);
      }
    };
    for (const { where, text } of this.texts) search(where, text());
    this.errorBodies.forEach((body, i) => search(`error body #${i + 1}`, body));
    return [...new Set(found)];
  }
}
