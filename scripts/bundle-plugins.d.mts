import type { Plugin } from 'esbuild';

export declare const SERVER_BUNDLE_PLUGINS: Plugin[];
