/**
 * Secrets (login and PPP passwords) must never reach a log, a transcript or a terminal.
 * Every value registered here is replaced by `********` wherever it appears in text that
 * goes through `mask()`. The modem machine registers the login password before it sends it.
 */
export const MASK = '********';

export class SecretMask {
  private readonly secrets = new Set<string>();

  /** Remembers a secret; empty strings are ignored (they would match everywhere). */
  add(secret: string | undefined): void {
    if (secret) this.secrets.add(secret);
  }

  /** Whether any secret is registered. */
  get size(): number {
    return this.secrets.size;
  }

  /** `text` with every registered secret replaced by the mask. Longest first, so a secret
   * that contains another is masked whole. */
  mask(text: string): string {
    let out = text;
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) {
      out = out.split(secret).join(MASK);
    }
    return out;
  }
}
