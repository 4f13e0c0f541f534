/** The guardrail feature's channels, `domain:verb`. Zod-free: the preload allowlist imports it. */
export const GUARDRAIL_CHANNEL_NAMES = ['guardrails:get', 'guardrails:save', 'guardrails:test', 'guardrails:export'] as const;
export type GuardrailChannelName = (typeof GUARDRAIL_CHANNEL_NAMES)[number];
