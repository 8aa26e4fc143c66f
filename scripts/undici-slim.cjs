// What the bundle gets for `import … from 'undici'` (see scripts/build-cli.mjs): the three names
// src/ uses — Agent, Dispatcher and request — without the rest of undici's index (fetch,
// WebSocket, cookies, caches, mocks, the SQLite cache store), which the server never calls and
// which costs ~35 ms of every cold start to evaluate. Tests and `tsx` runs use the full index;
// the bundled server runs the whole integration suite, so both paths stay tested.
'use strict';
const Agent = require('undici/lib/dispatcher/agent');
const Dispatcher = require('undici/lib/dispatcher/dispatcher');
const api = require('undici/lib/api');
const { getGlobalDispatcher } = require('undici/lib/global');

// As undici's index does: dispatcher.request(), .stream(), … come from lib/api.
Object.assign(Dispatcher.prototype, api);

/** undici's top-level request(url, options) for a URL string (its index's makeDispatcher, narrowed). */
function request(url, options = {}) {
  const { dispatcher = getGlobalDispatcher(), ...rest } = options;
  const target = new URL(url);
  return dispatcher.request({
    ...rest,
    origin: target.origin,
    path: target.search ? `${target.pathname}${target.search}` : target.pathname,
    method: rest.method || (rest.body ? 'PUT' : 'GET'),
  });
}

module.exports = { Agent, Dispatcher, request };
