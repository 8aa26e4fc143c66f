// What the bundle gets for `@modelcontextprotocol/server/_shims` (see scripts/build-cli.mjs): the
// SDK's Node shim with its other JSON Schema validator, @cfworker/json-schema (the SDK's own
// default for browsers and Workers, shipped in the same package). The Node shim's Ajv provider
// evaluates Ajv, its 2019/2020 dialects and ajv-formats at import (215 kB of the start chunk), yet
// the SDK would use it only to check a client's answer to a form elicitation (our booking
// confirmation, which src/mcp/sdk.ts reads as yes only for `confirm: true` anyway).
export { CfWorkerJsonSchemaValidator as DefaultJsonSchemaValidator } from '@modelcontextprotocol/server/validators/cf-worker';
export { default as process } from 'node:process';
