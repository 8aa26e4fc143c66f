/**
 * A typed fake of the Escape Dental API port for unit tests: pass only the methods the test uses,
 * area by area (`fakeApi({ scheduling: { getAppointment } })`); any other method throws an error
 * naming it, instead of a test passing or failing for a reason it never meant to exercise.
 */
import type { EscapeApi } from '../../src/api/port.js';

export type FakeApiParts = { [Area in keyof EscapeApi]?: Partial<EscapeApi[Area]> };

export class NotFaked extends Error {
  override name = 'NotFaked';
}

export function fakeApi(parts: FakeApiParts = {}): EscapeApi {
  const areas = new Map<string, object>();
  const area = (name: string) => {
    let fake = areas.get(name);
    if (!fake) {
      const given = (parts as Record<string, Record<string, unknown> | undefined>)[name] ?? {};
      fake = new Proxy(given, {
        get(target, method) {
          if (typeof method !== 'string' || method in target) return Reflect.get(target, method);
          // `then` is probed when a value is awaited; an area is not a promise.
          if (method === 'then') return undefined;
          return () => {
            throw new NotFaked(
              `The fake API has no ${name}.${method}: this test did not expect it to be called. Pass it to fakeApi({ ${name}: { ${method} } }) if it should be.`,
            );
          };
        },
      });
      areas.set(name, fake);
    }
    return fake;
  };
  return new Proxy({} as EscapeApi, {
    get: (_target, name) => (typeof name === 'string' && name !== 'then' ? area(name) : undefined),
    has: () => true,
  });
}
