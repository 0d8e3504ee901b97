import { readFileSync } from 'node:fs';

/**
 * The version written into manifests, from this package's package.json (the same as platform.ts's
 * VERSION, which a test checks): read here so the backup command does not load the whole server.
 */
export const SHUZHI_VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
