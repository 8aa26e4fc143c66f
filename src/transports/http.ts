/**
 * The HTTP transport (Streamable HTTP for both protocol eras, legacy HTTP+SSE, inbound auth,
 * gates notifications). Being built; until then `escape-dental-mcp http` explains that.
 */
import type { Runtime } from '../runtime.js';

export interface HttpServing {
  url: string;
  /** Stops accepting new work, lets in-flight requests finish, closes sessions. */
  drain: () => Promise<void>;
}

export async function startHttp(runtime: Runtime): Promise<HttpServing> {
  await runtime.close();
  throw new Error('The HTTP transport is not available in this build yet; run without "http" to use stdio.');
}
