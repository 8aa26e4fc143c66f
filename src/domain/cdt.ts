/** CDT procedure-code categories by the ADA code ranges. */

export type CdtCategoryKey =
  | 'diagnostic'
  | 'preventive'
  | 'restorative'
  | 'endodontics'
  | 'periodontics'
  | 'prosthodontics_removable'
  | 'maxillofacial_prosthetics'
  | 'implant_services'
  | 'prosthodontics_fixed'
  | 'oral_maxillofacial_surgery'
  | 'orthodontics'
  | 'adjunctive_general_services';

export interface CdtCategory {
  key: CdtCategoryKey;
  label: string;
  /** Inclusive numeric range of the four digits after `D`. */
  from: number;
  to: number;
}

export const CDT_CATEGORIES: readonly CdtCategory[] = [
  { key: 'diagnostic', label: 'Diagnostic', from: 100, to: 999 },
  { key: 'preventive', label: 'Preventive', from: 1000, to: 1999 },
  { key: 'restorative', label: 'Restorative', from: 2000, to: 2999 },
  { key: 'endodontics', label: 'Endodontics', from: 3000, to: 3999 },
  { key: 'periodontics', label: 'Periodontics', from: 4000, to: 4999 },
  { key: 'prosthodontics_removable', label: 'Prosthodontics, removable', from: 5000, to: 5899 },
  { key: 'maxillofacial_prosthetics', label: 'Maxillofacial prosthetics', from: 5900, to: 5999 },
  { key: 'implant_services', label: 'Implant services', from: 6000, to: 6199 },
  { key: 'prosthodontics_fixed', label: 'Prosthodontics, fixed', from: 6200, to: 6999 },
  { key: 'oral_maxillofacial_surgery', label: 'Oral & maxillofacial surgery', from: 7000, to: 7999 },
  { key: 'orthodontics', label: 'Orthodontics', from: 8000, to: 8999 },
  { key: 'adjunctive_general_services', label: 'Adjunctive general services', from: 9000, to: 9999 },
];

const CODE_RE = /^D(\d{4})$/;

/** Normalises `" d2740 "` → `"D2740"`; null when it is not a CDT code. */
export function normalizeCdtCode(code: string): string | null {
  if (typeof code !== 'string') return null;
  const text = code.trim().toUpperCase();
  return CODE_RE.test(text) ? text : null;
}

/** The ADA category of a CDT code, or null for a malformed or uncategorised code (D0000–D0099). */
export function cdtCategory(code: string): CdtCategory | null {
  const normalized = normalizeCdtCode(code);
  if (!normalized) return null;
  const n = Number(normalized.slice(1));
  return CDT_CATEGORIES.find((c) => n >= c.from && n <= c.to) ?? null;
}
