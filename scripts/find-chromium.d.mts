export declare const CHROMIUM_ENV_VARS: readonly string[];
export declare function chromiumCandidates(env?: NodeJS.ProcessEnv, platform?: NodeJS.Platform): string[];
export declare function findChromium(env?: NodeJS.ProcessEnv, platform?: NodeJS.Platform): string | null;
export declare const NO_CHROMIUM_MESSAGE: string;
