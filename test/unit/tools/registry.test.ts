/**
 * Registry-wide rules every tool obeys. What each tool advertises is snapshotted as tools/list
 * sends it, in test/__toolsnaps__ (test/integration/toolsnaps.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CATALOG } from '../../../src/tools/registry.js';

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { io }) as Record<string, unknown>;

describe('the tool registry', () => {
  it('has unique snake_case names', () => {
    const names = CATALOG.map((tool) => tool.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
  });

  it.each(CATALOG.map((tool) => [tool.name, tool] as const))(
    '%s states every annotation, scopes, a title and a description',
    (_name, tool) => {
      for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const) {
        expect(typeof tool.annotations[hint]).toBe('boolean');
      }
      expect(tool.annotations.readOnlyHint).toBe(!tool.writes);
      if (!tool.writes) expect(tool.annotations.destructiveHint).toBe(false);
      expect(tool.requiredScopes.length).toBeGreaterThan(0);
      expect(tool.title.length).toBeGreaterThan(3);
      expect(tool.description.length).toBeGreaterThan(40);
      expect(tool.description.length).toBeLessThan(260);
    },
  );

  it.each(CATALOG.map((tool) => [tool.name, tool] as const))(
    '%s takes an object with every field described, no top-level anyOf/oneOf',
    (_name, tool) => {
      for (const io of ['input', 'output'] as const) {
        const schema = jsonSchema(io === 'input' ? tool.inputSchema : tool.outputSchema, io);
        expect(schema.type).toBe('object');
        expect(schema).not.toHaveProperty('anyOf');
        expect(schema).not.toHaveProperty('oneOf');
      }
      const input = jsonSchema(tool.inputSchema, 'input');
      const properties = input.properties as Record<string, { description?: string }>;
      expect(Object.keys(properties).length).toBeGreaterThan(0);
      for (const [field, property] of Object.entries(properties)) {
        expect(property.description, `${tool.name}.${field} has no description`).toMatch(/\w{3}/);
      }
    },
  );
});
