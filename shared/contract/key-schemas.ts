import { z } from 'zod';
import type { ChannelDefinition } from './channel-definition';
import type { KeyChannelName } from './key-channels';
import { MAX_BUDGET_MINOR } from '../domain/money';
import { strictTimestampSchema } from './timestamp-schema';
import { workspaceIdSchema } from './workspace-schemas';

export const KEY_NAME_MAX = 64;
export const KEY_STATUSES = ['active', 'expired', 'revoked'] as const;
export const MAX_RPM = 1_000_000;
export const MAX_TPM = 1_000_000_000;
/** Rotation grace window: none, or 30 minutes to 7 days. */
export const GRACE_MIN_SECONDS = 30 * 60;
export const GRACE_MAX_SECONDS = 7 * 24 * 3600;

export const keyIdSchema = z.string().regex(/^key-[a-z0-9]{4,32}$/, 'Not an API key ID');
const limit = (max: number, what: string) =>
  z.int(`${what} must be a whole number`).min(1, `${what} must be at least 1`).max(max, `${what} must be at most ${max.toLocaleString('en-US')}`);

export const apiKeySchema = z.strictObject({
  id: keyIdSchema,
  workspaceId: z.string(),
  name: z.string(),
  maskedKey: z.string(),
  status: z.enum(KEY_STATUSES),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  rotatedAt: z.string().nullable(),
  previousValidUntil: z.string().nullable(),
  rpmLimit: z.int().nullable(),
  tpmLimit: z.int().nullable(),
  monthlyBudgetMinor: z.int().nullable(),
  version: z.int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ApiKey = z.infer<typeof apiKeySchema>;

export const keyCreateInput = z.strictObject({
  workspaceId: workspaceIdSchema,
  name: z.string().trim().min(1, 'Name is required').max(KEY_NAME_MAX, `Name must be at most ${KEY_NAME_MAX} characters`),
  expiresAt: strictTimestampSchema('Expiry').nullable().optional(),
  rpmLimit: limit(MAX_RPM, 'Requests/min').nullable().optional(),
  tpmLimit: limit(MAX_TPM, 'Tokens/min').nullable().optional(),
  monthlyBudgetMinor: z.int().min(0, 'Budget cannot be negative').max(MAX_BUDGET_MINOR, 'Budget is too large').nullable().optional(),
});

/** The only response that ever carries a secret: shown once, never stored. */
export const keyWithSecretSchema = z.strictObject({ key: apiKeySchema, secret: z.string() });

export const keyListInput = z.strictObject({
  workspaceId: workspaceIdSchema,
  status: z.enum(['all', ...KEY_STATUSES]).default('all'),
  search: z.string().trim().max(64).default(''),
});
export const keyListOutput = z.strictObject({ items: z.array(apiKeySchema), activeCount: z.int(), activeLimit: z.int() });

export const keyRotateInput = z.strictObject({
  id: keyIdSchema,
  graceSeconds: z
    .int()
    .refine((s) => s === 0 || (s >= GRACE_MIN_SECONDS && s <= GRACE_MAX_SECONDS), 'Grace window must be 0, or between 30 minutes and 7 days')
    .default(0),
});
export const keyIdInput = z.strictObject({ id: keyIdSchema });
export const keyVerifyInput = z.strictObject({ secret: z.string().max(200) });
export const keyVerifyOutput = z.strictObject({
  keyId: z.string(),
  keyName: z.string(),
  workspaceId: z.string(),
  workspaceName: z.string(),
  status: z.enum(KEY_STATUSES),
  matched: z.enum(['current', 'previous']),
});

export const keyContract = {
  'keys:create': { input: keyCreateInput, output: keyWithSecretSchema },
  'keys:list': { input: keyListInput, output: keyListOutput },
  'keys:rotate': { input: keyRotateInput, output: keyWithSecretSchema },
  'keys:revoke': { input: keyIdInput, output: apiKeySchema },
  'keys:delete': { input: keyIdInput, output: z.strictObject({ deletedId: z.string() }) },
  'keys:verify': { input: keyVerifyInput, output: keyVerifyOutput },
} satisfies { [C in KeyChannelName]: ChannelDefinition };
