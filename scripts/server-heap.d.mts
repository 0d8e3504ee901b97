export declare const DEFAULT_MAX_OLD_SPACE_MB: number;
export declare const POSTGRES_MAX_OLD_SPACE_MB: number;
export declare function defaultMaxOldSpaceMB(env?: Record<string, string | undefined>): number;
export declare function serverHeapFlags(env?: Record<string, string | undefined>): string[];
