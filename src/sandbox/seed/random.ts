/**
 * A small seeded PRNG (mulberry32) so the same seed always yields the same data. Every generator
 * draws from an explicit `Random`; nothing in the sandbox calls Math.random.
 */
export class Random {
  private state: number;

  constructor(seed: number | string) {
    this.state = typeof seed === 'number' ? seed >>> 0 : hashString(seed);
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  bool(probability = 0.5): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Random.pick on an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Picks by weight: `weighted([['a', 3], ['b', 1]])` returns 'a' three times as often. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [value, weight] of entries) {
      roll -= weight;
      if (roll < 0) return value;
    }
    const last = entries[entries.length - 1];
    if (!last) throw new Error('Random.weighted on an empty list');
    return last[0];
  }

  /** A deterministic RFC 4122 version-4-shaped UUID. */
  uuid(): string {
    const a = Math.floor(this.next() * 0x100000000);
    const b = Math.floor(this.next() * 0x100000000);
    const c = Math.floor(this.next() * 0x100000000);
    const d = Math.floor(this.next() * 0x100000000);
    const variant = (((c >>> 28) & 0x3) | 0x8).toString(16);
    const bh = hex8(b);
    const ch = hex8(c);
    return `${hex8(a)}-${bh.slice(0, 4)}-4${bh.slice(5, 8)}-${variant}${ch.slice(1, 4)}-${ch.slice(4, 8)}${hex8(d)}`;
  }

  /** A child generator whose stream does not depend on how much the parent is used later. */
  fork(label: string): Random {
    return new Random((hashString(label) ^ Math.floor(this.next() * 0x100000000)) >>> 0);
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex8(n: number): string {
  return (
    (HEX[n >>> 24] as string) +
    (HEX[(n >>> 16) & 0xff] as string) +
    (HEX[(n >>> 8) & 0xff] as string) +
    (HEX[n & 0xff] as string)
  );
}

export function hashString(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}
