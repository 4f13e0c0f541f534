/**
 * Events the core pushes to the doors (and the doors to the renderer). Zod-free: the preload
 * imports it to allowlist `on`.
 */
export const CORE_EVENT_TYPES = ['job', 'changed'] as const;
export type CoreEventType = (typeof CORE_EVENT_TYPES)[number];

/** The single Electron IPC channel that carries core events to the window. */
export const CORE_EVENT_CHANNEL = 'gatehouse:event';

export function isCoreEventType(value: unknown): value is CoreEventType {
  return typeof value === 'string' && (CORE_EVENT_TYPES as readonly string[]).includes(value);
}
