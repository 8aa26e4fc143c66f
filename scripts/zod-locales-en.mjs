// What the bundle gets for zod's `locales` namespace (see scripts/build-cli.mjs): English only.
// zod sets English messages itself (classic/schemas.js imports locales/en.js directly); the
// namespace re-export `z.locales` pulled in all ~50 languages (300 kB of the start chunk), which
// nothing here calls.
export { default as en } from 'zod/v4/locales/en.js';
