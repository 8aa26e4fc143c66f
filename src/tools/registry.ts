/**
 * The catalog: every tool this server can offer, in the order tools/list shows them. Gates,
 * scopes and read-only are applied per caller and practice by `gates/decision.ts`, never here.
 */
import { findSpot } from './find-spot.js';
import { patientTimeline } from './patient-timeline.js';
import type { AnyToolDefinition } from './types.js';

export const CATALOG: readonly AnyToolDefinition[] = [findSpot, patientTimeline];

export function catalogByName(): ReadonlyMap<string, AnyToolDefinition> {
  return new Map(CATALOG.map((tool) => [tool.name, tool]));
}
