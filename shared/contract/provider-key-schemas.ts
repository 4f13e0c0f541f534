import { z } from 'zod';
import {
  MAX_PROVIDER_KEYS,
  PROTECTION_SCHEMES,
  PROVIDER_ACCESS_STATES,
  PROVIDER_KEY_LABEL_MAX,
  PROVIDER_SECRET_MAX,
  PROVIDER_SECRET_MIN,
  PROVIDER_SECRET_PATTERN,
  SECRET_STATUSES,
} from '../domain/provider-key-rules';
import type { ChannelDefinition } from './channel-definition';
import type { ProviderKeyChannelName } from './provider-key-channels';
import { workspaceIdSchema } from './workspace-schemas';

export const providerKeyIdSchema = z.string().regex(/^pk-[a-z0-9]{4,32}$/, 'Not a provider key ID');
const vendorSchema = z.string().trim().min(1, 'Vendor is required').max(64, 'Vendor must be at most 64 characters');
const labelSchema = z
  .string()
  .trim()
  .min(1, 'Label is required')
  .max(PROVIDER_KEY_LABEL_MAX, `Label must be at most ${PROVIDER_KEY_LABEL_MAX} characters`);
/** Messages never echo the value: this is the one input that carries a plaintext secret. */
const secretSchema = z
  .string()
  .trim()
  .min(PROVIDER_SECRET_MIN, `Secret must be at least ${PROVIDER_SECRET_MIN} characters`)
  .max(PROVIDER_SECRET_MAX, `Secret must be at most ${PROVIDER_SECRET_MAX} characters`)
  .regex(PROVIDER_SECRET_PATTERN, 'Secret may contain only visible characters (no spaces)');

/** What leaves the core about a provider key: never the secret or its ciphertext, only the last 4. */
export const providerKeySchema = z.strictObject({
  id: providerKeyIdSchema,
  vendor: z.string(),
  label: z.string(),
  last4: z.string().max(4),
  scheme: z.enum(PROTECTION_SCHEMES),
  secretStatus: z.enum(SECRET_STATUSES),
  /** How many workspaces pin or disable this key (deleting it clears those settings). */
  workspaceOverrides: z.int(),
  version: z.int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ProviderKey = z.infer<typeof providerKeySchema>;

export const protectionSchema = z.strictObject({
  scheme: z.enum(PROTECTION_SCHEMES),
  strong: z.boolean(),
  description: z.string(),
});
export type Protection = z.infer<typeof protectionSchema>;

export const providerKeyListOutput = z.strictObject({
  items: z.array(providerKeySchema),
  /** The protection new and replaced secrets get in this door. */
  protection: protectionSchema,
  /** Vendors of the model catalog, so a key's vendor matches its models. */
  vendors: z.array(z.string()),
  limit: z.int(),
});

export const providerKeyCreateInput = z.strictObject({ vendor: vendorSchema, label: labelSchema, secret: secretSchema });
export const providerKeyUpdateInput = z
  .strictObject({
    id: providerKeyIdSchema,
    expectedVersion: z.int().min(1).optional(),
    label: labelSchema.optional(),
    secret: secretSchema.optional(),
  })
  .refine((input) => input.label !== undefined || input.secret !== undefined, { message: 'Change the label or the secret', path: ['label'] });
export const providerKeyDeleteInput = z.strictObject({ id: providerKeyIdSchema });
export const providerKeyDeleteOutput = z.strictObject({ deletedId: z.string(), clearedWorkspaceOverrides: z.int() });

/**
 * The way out when the key file cannot be restored: delete exactly these keys, each of which must
 * be `unreadable` here (the admin saw and confirmed them). An empty list only gives up a lost key
 * file that nothing but remote admin keys still depend on.
 */
export const providerKeyForgetUnreadableInput = z.strictObject({
  ids: z.array(providerKeyIdSchema).max(MAX_PROVIDER_KEYS, 'Too many keys'),
});
export const providerKeyForgetUnreadableOutput = z.strictObject({
  forgotten: z.array(z.strictObject({ id: z.string(), vendor: z.string(), label: z.string(), last4: z.string().max(4), clearedWorkspaceOverrides: z.int() })),
  /** A new key file was started because only remote admin keys were left on the lost one. */
  newKeyFile: z.boolean(),
  /** Remote admin keys sealed with the lost key file: enter them again (remotes:update). */
  remoteCredentialsToReenter: z.int(),
});
export type ProviderKeyForgetUnreadableOutput = z.infer<typeof providerKeyForgetUnreadableOutput>;

const accessKeySchema = z.strictObject({
  id: z.string(),
  label: z.string(),
  last4: z.string().max(4),
  state: z.enum(PROVIDER_ACCESS_STATES),
  /** Enabled and not bypassed by another key's pin: the gateway may send this workspace's calls with it. */
  usable: z.boolean(),
});
export const providerAccessSchema = z.strictObject({
  workspaceId: z.string(),
  vendors: z.array(z.strictObject({ vendor: z.string(), pinnedKeyId: z.string().nullable(), keys: z.array(accessKeySchema) })),
});
export type ProviderAccess = z.infer<typeof providerAccessSchema>;

export const providerAccessGetInput = z.strictObject({ workspaceId: workspaceIdSchema });
export const providerAccessSaveInput = z.strictObject({
  workspaceId: workspaceIdSchema,
  disabledKeyIds: z.array(providerKeyIdSchema).max(MAX_PROVIDER_KEYS, 'Too many keys'),
  pins: z.array(z.strictObject({ vendor: vendorSchema, providerKeyId: providerKeyIdSchema })).max(MAX_PROVIDER_KEYS, 'Too many pins'),
});

/** Channel → strict input/output schemas for this feature; spread into the contract. */
export const providerKeyContract = {
  'providerKeys:list': { input: z.strictObject({}), output: providerKeyListOutput },
  'providerKeys:create': { input: providerKeyCreateInput, output: providerKeySchema },
  'providerKeys:update': { input: providerKeyUpdateInput, output: providerKeySchema },
  'providerKeys:delete': { input: providerKeyDeleteInput, output: providerKeyDeleteOutput },
  'providerKeys:forgetUnreadable': { input: providerKeyForgetUnreadableInput, output: providerKeyForgetUnreadableOutput },
  'providerAccess:get': { input: providerAccessGetInput, output: providerAccessSchema },
  'providerAccess:save': { input: providerAccessSaveInput, output: providerAccessSchema },
} satisfies { [C in ProviderKeyChannelName]: ChannelDefinition };
