/**
 * Per-principal caps on what a caller can hold open over HTTP: 2025 sessions, legacy SSE
 * connections and 2026-07-28 `subscriptions/listen` streams. One credential must not be able
 * to take every slot of the instance (the global caps in mcp/http.ts and the SDK's listen
 * limit still apply on top).
 *
 * The accounting sits behind `SlotLedger` so a store shared by several instances can back it;
 * `claim` is asynchronous for that reason. This process counts in memory.
 */

export type SlotKind = 'session' | 'sse' | 'listen';

export type SlotLimits = Readonly<Record<SlotKind, number>>;

export type SlotClaim =
  /** `release` gives the slot back; calling it again does nothing. */
  { granted: true; release: () => void } | { granted: false; limit: number };

export interface SlotLedger {
  /** Takes one slot of `kind` for the principal, unless it already holds its limit of them. */
  claim(kind: SlotKind, principalId: string): Promise<SlotClaim>;
  /** Slots of `kind` the principal holds now. */
  held(kind: SlotKind, principalId: string): Promise<number>;
}

export class InProcessSlotLedger implements SlotLedger {
  private readonly counts = new Map<string, number>();

  constructor(private readonly limits: SlotLimits) {}

  async claim(kind: SlotKind, principalId: string): Promise<SlotClaim> {
    const key = `${kind}\u0000${principalId}`;
    const count = this.counts.get(key) ?? 0;
    const limit = this.limits[kind];
    if (count >= limit) return { granted: false, limit };
    this.counts.set(key, count + 1);
    return grantedOnce(() => {
      const left = (this.counts.get(key) ?? 1) - 1;
      if (left > 0) this.counts.set(key, left);
      else this.counts.delete(key);
    });
  }

  async held(kind: SlotKind, principalId: string): Promise<number> {
    return this.counts.get(`${kind}\u0000${principalId}`) ?? 0;
  }
}

/** A granted claim whose `release` gives the slot back the first time it is called only. */
export function grantedOnce(giveBack: () => void): SlotClaim {
  let released = false;
  return {
    granted: true,
    release: () => {
      if (released) return;
      released = true;
      giveBack();
    },
  };
}

/** The 429 text for a principal at its cap: what is full and what to do. */
export function capMessage(kind: SlotKind, limit: number): string {
  switch (kind) {
    case 'session':
      return `This credential already holds ${limit} open sessions, the most one credential may hold. Close one (DELETE /mcp with its Mcp-Session-Id) or let an idle one expire, then retry.`;
    case 'sse':
      return `This credential already holds ${limit} open SSE connections, the most one credential may hold. Close one, then retry.`;
    case 'listen':
      return `This credential already holds ${limit} open subscriptions/listen streams, the most one credential may hold. Close one, then retry.`;
  }
}
