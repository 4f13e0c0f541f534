/** Provider-key rules shared by the core (enforcement) and the renderer (forms, labels). */
export const PROVIDER_KEY_LABEL_MAX = 64;
export const PROVIDER_SECRET_MIN = 8;
export const PROVIDER_SECRET_MAX = 512;
/** Visible ASCII only: upstream API keys never contain spaces or control characters. */
export const PROVIDER_SECRET_PATTERN = /^[\x21-\x7E]+$/;
export const MAX_PROVIDER_KEYS = 200;

/**
 * How a secret is protected at rest. `os-keychain`: Electron safeStorage with a real OS keyring;
 * `local-key-file`: AES-256-GCM with a random key in the data dir.
 */
export const PROTECTION_SCHEMES = ['os-keychain', 'local-key-file'] as const;
export type ProtectionScheme = (typeof PROTECTION_SCHEMES)[number];

/**
 * Whether this door can decrypt a stored secret: `ok`; `unreadable` (key file changed or
 * ciphertext damaged: replace the secret); `unavailable-here` (encrypted by a scheme this door
 * lacks, e.g. the OS keychain seen from the CLI).
 */
export const SECRET_STATUSES = ['ok', 'unreadable', 'unavailable-here'] as const;
export type SecretStatus = (typeof SECRET_STATUSES)[number];

/** Per workspace, each provider key is usable by default; an admin may disable it or pin it. */
export const PROVIDER_ACCESS_STATES = ['enabled', 'disabled', 'pinned'] as const;
export type ProviderAccessState = (typeof PROVIDER_ACCESS_STATES)[number];

export function protectionSchemeLabel(scheme: ProtectionScheme): string {
  return scheme === 'os-keychain' ? 'OS keychain' : 'Local key file';
}

export function maskedSecret(last4: string): string {
  return `••••${last4}`;
}
