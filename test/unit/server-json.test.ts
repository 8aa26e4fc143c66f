import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  consistencyProblems,
  REPO_ROOT,
  releaseServerJson,
  repositoryFacts,
  SCHEMA_PATH,
  type ServerJson,
  schemaProblems,
  sha256Of,
} from '../../scripts/server-json.js';

const committed = (): ServerJson => JSON.parse(readFileSync(join(REPO_ROOT, 'server.json'), 'utf8')) as ServerJson;
const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as { $id: string };
const facts = repositoryFacts();

describe('server.json for the MCP Registry', () => {
  it('validates against the vendored registry schema, the version its $schema names', () => {
    expect(committed().$schema).toBe(schema.$id);
    expect(schemaProblems(committed())).toEqual([]);
  });

  it('the validator refuses what the registry refuses', () => {
    const broken = {
      ...committed(),
      name: 'escape-dental-mcp',
      description: 'x'.repeat(101),
      remotes: [{ type: 'streamable-http', url: 'ftp://example.org/mcp' }],
    };
    const problems = schemaProblems(broken);
    expect(problems).toContainEqual(expect.stringMatching(/^\/name must match pattern/));
    expect(problems).toContainEqual(expect.stringMatching(/^\/description must NOT have more than 100/));
    expect(problems).toContainEqual(expect.stringMatching(/^\/remotes\/0\/url must match pattern/));
    const { version: _, ...withoutVersion } = committed();
    expect(schemaProblems(withoutVersion)).toContainEqual(expect.stringMatching(/required property 'version'/));
  });

  it('names the npm package, the .mcpb and the HTTP remote with its auth header, as the repository has them', () => {
    const document = committed();
    expect(consistencyProblems(document, facts)).toEqual([]);
    expect(document.packages?.map((p) => p.registryType).sort()).toEqual(['mcpb', 'npm']);
    const remote = document.remotes?.[0];
    expect(remote?.type).toBe('streamable-http');
    expect(remote?.headers?.find((h) => h.name === 'Authorization')).toMatchObject({
      isRequired: true,
      isSecret: true,
    });
  });

  it('says what disagrees with package.json, the manifest and src/config.ts', () => {
    const document = committed();
    const drifted: ServerJson = {
      ...document,
      version: '9.9.9',
      packages: document.packages?.map((p) =>
        p.registryType === 'npm'
          ? { ...p, identifier: 'other-name', environmentVariables: [{ name: 'ESCAPE_NOT_A_SETTING' }] }
          : p,
      ),
    };
    const problems = consistencyProblems(drifted, {
      ...facts,
      packageJson: { ...facts.packageJson, mcpName: undefined },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^version 9\.9\.9 is not package\.json's/),
        expect.stringMatching(/^package\.json mcpName/),
        expect.stringMatching(/^npm identifier other-name/),
        'ESCAPE_NOT_A_SETTING is not read by src/config.ts',
      ]),
    );
  });

  it('the release copy carries the hash of the very bundle it is written for, and only that one', () => {
    const bundle = new TextEncoder().encode('the bytes of one built bundle');
    const release = releaseServerJson(committed(), bundle);
    const mcpb = release.packages?.find((p) => p.registryType === 'mcpb');
    expect(mcpb?.fileSha256).toBe(sha256Of(bundle));
    expect(mcpb?.fileSha256).toMatch(/^[a-f0-9]{64}$/);
    expect(schemaProblems(release)).toEqual([]);
    expect(consistencyProblems(release, facts, bundle)).toEqual([]);

    const anotherBuild = new TextEncoder().encode('the bytes of the next build');
    expect(consistencyProblems(release, facts, anotherBuild)).toEqual([
      expect.stringMatching(/^mcpb fileSha256 [a-f0-9]{64} is not the bundle's [a-f0-9]{64}$/),
    ]);
    // A hash in the committed file could match no bundle built later (a zip carries its packing time).
    expect(consistencyProblems(release, facts)).toEqual([expect.stringMatching(/committed mcpb entry carries/)]);
  });

  it('the vendored schema names its source, version and licence', () => {
    const note = readFileSync(join(REPO_ROOT, 'vendor', 'mcp-registry', 'README.md'), 'utf8');
    expect(note).toContain(schema.$id);
    expect(note).toMatch(/https:\/\/github\.com\/modelcontextprotocol\/registry\/blob\/[0-9a-f]{40}\//);
    expect(note).toMatch(/Licence: [^.]*MIT/);
  });
});
