/**
 * A typed fake of the Escape Dental API port for unit tests: pass only the methods the test uses,
 * area by area (`fakeApi({ scheduling: { getAppointment } })`); any other method throws an error
 * naming it, instead of a test passing or failing for a reason it never meant to exercise.
 */
import { Agent } from 'undici';
import { StaticTokenProvider } from '../../src/api/credentials.js';
import { createEscapeApi } from '../../src/api/index.js';
import type { EscapeApi } from '../../src/api/port.js';

/**
 * The method names of each area, read off a real (never used) client: the read-only view tools get
 * copies an area's methods (writes/port.ts), so a fake area must list every method, stubs included.
 */
const METHODS: ReadonlyMap<string, readonly string[]> = (() => {
  const dispatcher = new Agent();
  const real = createEscapeApi({
    baseUrl: 'http://fake-api.invalid',
    credentials: new StaticTokenProvider('unused'),
    dispatcher,
  });
  const names = new Map<string, readonly string[]>();
  for (const [area, methods] of Object.entries(real)) {
    if (methods !== null && typeof methods === 'object' && !['client', 'cache', 'credentials'].includes(area)) {
      names.set(area, Object.keys(methods));
    }
  }
  void real.close();
  return names;
})();

export type FakeApiParts = { [Area in keyof EscapeApi]?: Partial<EscapeApi[Area]> };

export class NotFaked extends Error {
  override name = 'NotFaked';
}

export function fakeApi(parts: FakeApiParts = {}): EscapeApi {
  const areas = new Map<string, object>();
  const missing = (area: string, method: string) => () => {
    throw new NotFaked(
      `The fake API has no ${area}.${method}: this test did not expect it to be called. Pass it to fakeApi({ ${area}: { ${method} } }) if it should be.`,
    );
  };
  const area = (name: string) => {
    let fake = areas.get(name);
    if (!fake) {
      const given = (parts as Record<string, Record<string, unknown> | undefined>)[name] ?? {};
      const stubs = Object.fromEntries((METHODS.get(name) ?? []).map((method) => [method, missing(name, method)]));
      fake = new Proxy(
        { ...stubs, ...given },
        {
          get(target, method) {
            if (typeof method !== 'string' || method in target) return Reflect.get(target, method);
            // `then` is probed when a value is awaited; an area is not a promise.
            return method === 'then' ? undefined : missing(name, method);
          },
        },
      );
      areas.set(name, fake);
    }
    return fake;
  };
  return new Proxy({} as EscapeApi, {
    get: (_target, name) => (typeof name === 'string' && name !== 'then' ? area(name) : undefined),
    has: () => true,
  });
}
