/** The model-routing feature's channels, `domain:verb`. Zod-free: the preload allowlist imports it. */
export const ROUTING_CHANNEL_NAMES = ['routes:list', 'routes:save', 'routes:check', 'routes:simulate', 'routes:export'] as const;
export type RoutingChannelName = (typeof ROUTING_CHANNEL_NAMES)[number];
