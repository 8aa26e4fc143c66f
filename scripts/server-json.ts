/**
 * server.json, the entry of this server in the MCP Registry: checked against the registry's
 * published schema (vendored in vendor/mcp-registry/, validated with the Ajv the SDK ships) and
 * against the rest of the repository (versions, package name, environment variables).
 *
 * The `.mcpb` entry needs the bundle's SHA-256, and a bundle is a zip stamped with the time it
 * was packed, so no two builds hash alike. The committed server.json therefore leaves the hash
 * out, and `npm run bundle` writes the release copy next to the bundle it built, with that
 * bundle's hash (`<bundle>.server.json`): the pair that is published together.
 *
 *   tsx scripts/server-json.ts --check                         the committed server.json
 *   tsx scripts/server-json.ts --mcpb <file.mcpb> --out <file>  write the release copy for that bundle
 *   tsx scripts/server-json.ts --verify <file> --mcpb <file>   a release copy matches its bundle
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Ajv, addFormats } from '@modelcontextprotocol/server/validators/ajv';
import { OPTIONS } from '../src/config.js';

export const REPO_ROOT = resolve(import.meta.dirname, '..');
export const SCHEMA_PATH = join(REPO_ROOT, 'vendor', 'mcp-registry', 'server.schema.json');

export interface ServerPackage {
  registryType: string;
  identifier: string;
  version?: string;
  fileSha256?: string;
  environmentVariables?: { name: string }[];
  [key: string]: unknown;
}

export interface ServerJson {
  $schema: string;
  name: string;
  version: string;
  repository?: { url: string; source: string };
  packages?: ServerPackage[];
  remotes?: { type: string; url: string; headers?: { name: string }[] }[];
  [key: string]: unknown;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** Problems of `document` against the vendored schema, one line each (none = valid). */
export function schemaProblems(document: unknown, schemaPath = SCHEMA_PATH): string[] {
  // `strict: false`: the schema carries `example`, a keyword JSON Schema does not define.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(readJson<object>(schemaPath));
  if (validate(document)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? error.keyword}`);
}

export const sha256Of = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

const mcpbOf = (document: ServerJson) => document.packages?.find((p) => p.registryType === 'mcpb');

/** The release copy of `document` for one built bundle: its `.mcpb` entry carries that bundle's hash. */
export function releaseServerJson(document: ServerJson, bundle: Uint8Array): ServerJson {
  if (!mcpbOf(document)) throw new Error('server.json has no mcpb package to give a hash to');
  return {
    ...document,
    packages: document.packages?.map((p) => (p.registryType === 'mcpb' ? { ...p, fileSha256: sha256Of(bundle) } : p)),
  };
}

export interface RepositoryFacts {
  packageJson: { name: string; version: string; mcpName?: string };
  manifest: { version: string };
  /** Environment variables the server reads (src/config.ts OPTIONS). */
  environment: ReadonlySet<string>;
}

export function repositoryFacts(root = REPO_ROOT): RepositoryFacts {
  return {
    packageJson: readJson(join(root, 'package.json')),
    manifest: readJson(join(root, 'manifest.json')),
    environment: new Set(Object.values(OPTIONS).map((option) => option.env)),
  };
}

/**
 * Where server.json disagrees with the repository or with itself. `bundle`: the bundle a release
 * copy belongs to, whose hash its `.mcpb` entry must carry; without it (the committed file) the
 * entry carries no hash, since no committed bytes could match a bundle not yet built.
 */
export function consistencyProblems(document: ServerJson, facts: RepositoryFacts, bundle?: Uint8Array): string[] {
  const problems: string[] = [];
  const { packageJson, manifest } = facts;
  const version = packageJson.version;
  if (document.version !== version) problems.push(`version ${document.version} is not package.json's ${version}`);
  if (manifest.version !== version) problems.push(`manifest.json version ${manifest.version} is not ${version}`);
  if (packageJson.mcpName !== document.name) {
    problems.push(`package.json mcpName (${packageJson.mcpName}) must be ${document.name}: the registry checks it`);
  }
  const npm = document.packages?.find((p) => p.registryType === 'npm');
  if (!npm) problems.push('no npm package');
  else {
    if (npm.identifier !== packageJson.name)
      problems.push(`npm identifier ${npm.identifier} is not ${packageJson.name}`);
    if (npm.version !== version) problems.push(`npm version ${npm.version} is not ${version}`);
    for (const variable of npm.environmentVariables ?? []) {
      if (!facts.environment.has(variable.name)) problems.push(`${variable.name} is not read by src/config.ts`);
    }
  }
  // io.github.<owner>/<repo> ⇔ https://github.com/<owner>/<repo>, and the bundle is that repository's release asset.
  const [, owner, repo] = /^io\.github\.([^/]+)\/(.+)$/.exec(document.name) ?? [];
  const repositoryUrl = `https://github.com/${owner}/${repo}`;
  if (!owner) problems.push(`name ${document.name} is not io.github.<owner>/<repository>`);
  else if (document.repository?.url !== repositoryUrl) {
    problems.push(`repository ${document.repository?.url} is not ${repositoryUrl}`);
  }
  const mcpb = mcpbOf(document);
  const asset = `${repositoryUrl}/releases/download/v${version}/${packageJson.name}-${version}.mcpb`;
  if (!mcpb) problems.push('no mcpb package');
  else {
    if (mcpb.identifier !== asset) problems.push(`mcpb identifier ${mcpb.identifier} is not ${asset}`);
    if (mcpb.version !== version) problems.push(`mcpb version ${mcpb.version} is not ${version}`);
    if (bundle === undefined && mcpb.fileSha256 !== undefined) {
      problems.push('the committed mcpb entry carries a fileSha256; `npm run bundle` writes it next to each bundle');
    }
    if (bundle !== undefined && mcpb.fileSha256 !== sha256Of(bundle)) {
      problems.push(`mcpb fileSha256 ${mcpb.fileSha256} is not the bundle's ${sha256Of(bundle)}`);
    }
  }
  const remote = document.remotes?.find((r) => r.type === 'streamable-http');
  if (!remote?.url.endsWith('/mcp')) problems.push('no streamable-http remote at /mcp');
  if (!remote?.headers?.some((h) => h.name === 'Authorization'))
    problems.push('the remote names no Authorization header');
  return problems;
}

function report(label: string, problems: string[]): void {
  if (problems.length === 0) {
    process.stdout.write(`${label}: valid against ${SCHEMA_PATH.slice(REPO_ROOT.length + 1)} and consistent\n`);
    return;
  }
  process.stderr.write(`${label}:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
  process.exitCode = 1;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const { values } = parseArgs({
    options: {
      check: { type: 'boolean' },
      mcpb: { type: 'string' },
      out: { type: 'string' },
      verify: { type: 'string' },
    },
  });
  const facts = repositoryFacts();
  if (values.check) {
    const committed = readJson<ServerJson>(join(REPO_ROOT, 'server.json'));
    report('server.json', [...schemaProblems(committed), ...consistencyProblems(committed, facts)]);
  } else if (values.mcpb && values.out) {
    const bundle = readFileSync(values.mcpb);
    const release = releaseServerJson(readJson<ServerJson>(join(REPO_ROOT, 'server.json')), bundle);
    const problems = [...schemaProblems(release), ...consistencyProblems(release, facts, bundle)];
    report(values.out, problems);
    if (problems.length === 0) writeFileSync(values.out, `${JSON.stringify(release, null, 2)}\n`);
  } else if (values.verify && values.mcpb) {
    const release = readJson<ServerJson>(values.verify);
    const bundle = readFileSync(values.mcpb);
    report(values.verify, [...schemaProblems(release), ...consistencyProblems(release, facts, bundle)]);
  } else {
    process.stderr.write(
      'usage: server-json.ts --check | --mcpb <bundle> --out <file> | --verify <file> --mcpb <bundle>\n',
    );
    process.exitCode = 2;
  }
}
