// What the bundle gets for `@modelcontextprotocol/server/_shims` (see scripts/build-cli.mjs): the
// SDK's Node shim with its other JSON Schema validator, @cfworker/json-schema (the SDK's own
// default for browsers and Workers, shipped in the same package). The Node shim's Ajv provider
// evaluates Ajv, its 2019/2020 dialects and ajv-formats at import (215 kB of the start chunk). The
// SDK calls the validator from elicitInput() and fromJsonSchema(), which src/ does not use, and
// its 2025 elicitation shim (our booking confirmation) does not validate the answer at all; so no
// call of this server reaches it, and it is here only because the SDK's modules import one.
export { CfWorkerJsonSchemaValidator as DefaultJsonSchemaValidator } from '@modelcontextprotocol/server/validators/cf-worker';
export { default as process } from 'node:process';
