/** Query and body parsing shared by the insurance, billing and DSO routes (DRF-style 400s). */
import { badRequest, HttpError } from '../http/errors.js';
import { DATE_FORMAT_ERROR, isUuid, parseCents } from '../http/helpers.js';
import type { SandboxRequest } from '../http/types.js';
import type { Cents, LocalDate, Uuid } from '../model.js';
import { isLocalDate } from './dates.js';

export function invalidUuid(value: string): string {
  return `“${value}” is not a valid UUID.`;
}

/** A single optional UUID query parameter; a malformed value is a 400 (patient-balance `carrier`, L4630). */
export function queryUuid(req: SandboxRequest, name: string): Uuid | undefined {
  const raw = req.query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!isUuid(raw)) throw badRequest({ [name]: [invalidUuid(raw)] });
  return raw.toLowerCase();
}

/** A repeatable UUID query parameter (`?provider=a&provider=b`, T29); empty when absent. */
export function queryUuids(req: SandboxRequest, name: string): Uuid[] {
  const values = req.query.getAll(name).filter((v) => v !== '');
  for (const v of values) if (!isUuid(v)) throw badRequest({ [name]: [invalidUuid(v)] });
  return [...new Set(values.map((v) => v.toLowerCase()))];
}

/** `from ≤ to`, else a 400 on the upper bound. */
export function checkRange(from: LocalDate, to: LocalDate, toName: string, fromName: string): void {
  if (to < from) throw badRequest({ [toName]: [`Must be on or after ${fromName}.`] });
}

// ---------------------------------------------------------------------------------------------
// bodies

export type Body = Record<string, unknown>;

export function has(body: Body, field: string): boolean {
  return Object.hasOwn(body, field);
}

/** A money field (`^-?\d{0,8}(?:\.\d{0,2})?$`); undefined when absent. */
export function bodyMoney(body: Body, field: string): Cents | undefined {
  if (!has(body, field) || body[field] === undefined) return undefined;
  const cents = parseCents(body[field]);
  if (cents === null) throw badRequest({ [field]: ['A valid number is required.'] });
  return cents;
}

/** A nullable date field; undefined when absent. */
export function bodyDate(body: Body, field: string): LocalDate | null | undefined {
  if (!has(body, field)) return undefined;
  const value = body[field];
  if (value === null) return null;
  if (typeof value !== 'string' || !isLocalDate(value)) throw badRequest({ [field]: [DATE_FORMAT_ERROR] });
  return value;
}

/** A string field (≤ `max` characters); undefined when absent. */
export function bodyString(body: Body, field: string, max = Number.POSITIVE_INFINITY): string | undefined {
  if (!has(body, field) || body[field] === undefined) return undefined;
  const value = body[field];
  if (value === null || typeof value !== 'string') throw badRequest({ [field]: ['Not a valid string.'] });
  if (value.length > max) throw badRequest({ [field]: [`Ensure this field has no more than ${max} characters.`] });
  return value;
}

/**
 * A nullable foreign key given as a UUID; `exists` decides whether it points at a row of this
 * practice (DRF PrimaryKeyRelatedField messages). Undefined when absent.
 */
export function bodyRef(body: Body, field: string, exists: (id: Uuid) => boolean): Uuid | null | undefined {
  if (!has(body, field)) return undefined;
  const value = body[field];
  if (value === null) return null;
  if (typeof value !== 'string' || !isUuid(value)) {
    throw badRequest({ [field]: [typeof value === 'string' ? invalidUuid(value) : 'Incorrect type.'] });
  }
  const id = value.toLowerCase();
  if (!exists(id)) throw badRequest({ [field]: [`Invalid pk "${value}" - object does not exist.`] });
  return id;
}

export function requireRef(body: Body, field: string, exists: (id: Uuid) => boolean): Uuid {
  const id = bodyRef(body, field, exists);
  if (id === undefined || id === null) throw badRequest({ [field]: ['This field is required.'] });
  return id;
}

/** An array-of-objects field; undefined when absent. */
export function bodyObjects(body: Body, field: string): Body[] | undefined {
  if (!has(body, field) || body[field] === undefined) return undefined;
  const value = body[field];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'object' || v === null || Array.isArray(v))) {
    throw badRequest({ [field]: ['Expected a list of items.'] });
  }
  return value as Body[];
}

/** Re-throws a 400 raised for a nested field under `field[index]`, DRF style. */
export function nested<T>(field: string, index: number, count: number, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (!(err instanceof HttpError) || err.status !== 400) throw err;
    const errors: unknown[] = Array.from({ length: count }, () => ({}));
    errors[index] = err.body;
    throw new HttpError(400, { [field]: errors });
  }
}
