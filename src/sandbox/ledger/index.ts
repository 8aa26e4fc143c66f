/** The sandbox's ledger engine: see engine.ts (balances, aging, production, trending), claims.ts, client.ts. */
export * from './claims.js';
export * from './client.js';
export * from './dates.js';
export * from './engine.js';
export * from './flags.js';
export * from './ledger-index.js';
export * from './money.js';
