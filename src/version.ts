import { createRequire } from 'node:module';

// package.json sits at the package root, one level above both src/ and dist/.
const manifest = createRequire(import.meta.url)('../package.json') as { name: string; version: string };

export const PACKAGE_NAME = manifest.name;
export const PACKAGE_VERSION = manifest.version;
