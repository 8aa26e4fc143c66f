/**
 * What the request or tool call being served carries through its awaits (its caller, its
 * divergence records, …), all in one AsyncLocalStorage: Node keeps each instance on every
 * promise created while any is in use, so every further instance costs an allocation per
 * promise. Each concern gets its own slot; a slot's `run` keeps the other slots' values.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const storage = new AsyncLocalStorage<Readonly<Record<symbol, unknown>>>();

export interface ContextSlot<T> {
  /** The value the innermost `run` of this slot gave (undefined outside one). */
  get(): T | undefined;
  run<R>(value: T, fn: () => R): R;
}

export function contextSlot<T>(name: string): ContextSlot<T> {
  const key = Symbol(name);
  return {
    get: () => storage.getStore()?.[key] as T | undefined,
    run: (value, fn) => storage.run({ ...storage.getStore(), [key]: value }, fn),
  };
}
