/**
 * Fixed documents the server offers as MCP resources (resources/list, resources/read): plain data,
 * registered by the protocol layer (`src/mcp/sdk.ts`).
 */
import { kpiDefinitionsDocument } from '../domain/kpi-definitions.js';

export interface StaticResource {
  name: string;
  uri: string;
  title: string;
  description: string;
  mimeType: string;
  text: () => string;
}

export const KPI_DEFINITIONS_RESOURCE: StaticResource = {
  name: 'kpi-definitions',
  uri: 'escape-dental://kpi-definitions',
  title: 'KPI definitions',
  description:
    'How kpi_scorecard and dso_overview define, source and judge each KPI: which figures are as reported by Escape Dental, the formulas of ours, goals and benchmarks, with citations.',
  mimeType: 'application/json',
  text: kpiDefinitionsDocument,
};

export const STATIC_RESOURCES: readonly StaticResource[] = [KPI_DEFINITIONS_RESOURCE];
