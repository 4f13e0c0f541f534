import { z } from 'zod';
import { auditExportInput, auditExportOutput, auditGetOutput, auditListInput, auditListOutput } from './audit-schemas';
import type { ChannelDefinition } from './channel-definition';
import type { ChannelName } from './channel-names';
import { exportContract } from './export-schemas';
import { modelContract } from './model-schemas';
import { providerKeyContract } from './provider-key-schemas';
import { usageContract } from './usage-schemas';
import {
  memberCreateInput,
  memberIdInput,
  memberListInput,
  memberSchema,
  memberUpdateInput,
  workspaceMemberChangeInput,
  workspaceMemberRemoveInput,
  workspaceMemberSchema,
  workspaceMembersInput,
} from './member-schemas';
import {
  apiKeySchema,
  keyCreateInput,
  keyIdInput,
  keyListInput,
  keyListOutput,
  keyRotateInput,
  keyVerifyInput,
  keyVerifyOutput,
  keyWithSecretSchema,
} from './key-schemas';
import {
  workspaceCreateInput,
  workspaceDeleteInput,
  workspaceIdInput,
  workspaceListInput,
  workspaceListOutput,
  workspaceSchema,
  workspaceUpdateInput,
} from './workspace-schemas';

export type { ChannelDefinition };

const empty = z.strictObject({});

const appInfoOutput = z.strictObject({
  name: z.string(),
  version: z.string(),
  dataDir: z.string(),
  databasePath: z.string(),
  schemaVersion: z.int(),
  localUser: z.string(),
  limits: z.strictObject({ maxWorkspaces: z.int(), maxActiveKeysPerWorkspace: z.int() }),
});

const moneyTotal = z.strictObject({ currency: z.string(), amountMinor: z.int() });

const overviewSummaryOutput = z.strictObject({
  activeWorkspace: z.strictObject({ id: z.string(), name: z.string(), environment: z.string() }),
  totalWorkspaces: z.int(),
  workspaceLimit: z.int(),
  monthlyBudgetTotals: z.array(moneyTotal),
  activeKeys: z.int(),
  productionWorkspaces: z.int(),
});

/** The single source of truth for every channel: name → strict input and output schemas. */
export const contract = {
  ...modelContract,
  ...providerKeyContract,
  ...usageContract,
  ...exportContract,
  'app:info': { input: empty, output: appInfoOutput },
  'overview:summary': { input: empty, output: overviewSummaryOutput },
  'workspaces:list': { input: workspaceListInput, output: workspaceListOutput },
  'workspaces:get': { input: workspaceIdInput, output: workspaceSchema },
  'workspaces:create': { input: workspaceCreateInput, output: workspaceSchema },
  'workspaces:update': { input: workspaceUpdateInput, output: workspaceSchema },
  'workspaces:delete': {
    input: workspaceDeleteInput,
    output: z.strictObject({ deletedId: z.string(), activeWorkspaceId: z.string() }),
  },
  'workspaces:setActive': { input: workspaceIdInput, output: workspaceSchema },
  'workspaces:getActive': { input: empty, output: workspaceSchema },
  'keys:create': { input: keyCreateInput, output: keyWithSecretSchema },
  'keys:list': { input: keyListInput, output: keyListOutput },
  'keys:rotate': { input: keyRotateInput, output: keyWithSecretSchema },
  'keys:revoke': { input: keyIdInput, output: apiKeySchema },
  'keys:delete': { input: keyIdInput, output: z.strictObject({ deletedId: z.string() }) },
  'keys:verify': { input: keyVerifyInput, output: keyVerifyOutput },
  'audit:list': { input: auditListInput, output: auditListOutput },
  'audit:get': { input: z.strictObject({ id: z.int().min(1) }), output: auditGetOutput },
  'audit:exportCsv': { input: auditExportInput, output: auditExportOutput },
  'members:list': { input: memberListInput, output: z.strictObject({ items: z.array(memberSchema) }) },
  'members:create': { input: memberCreateInput, output: memberSchema },
  'members:update': { input: memberUpdateInput, output: memberSchema },
  'members:delete': { input: memberIdInput, output: z.strictObject({ deletedId: z.string() }) },
  'members:getLocalUser': { input: empty, output: memberSchema },
  'workspaceMembers:list': { input: workspaceMembersInput, output: z.strictObject({ items: z.array(workspaceMemberSchema) }) },
  'workspaceMembers:add': { input: workspaceMemberChangeInput, output: workspaceMemberSchema },
  'workspaceMembers:setRole': { input: workspaceMemberChangeInput, output: workspaceMemberSchema },
  'workspaceMembers:remove': { input: workspaceMemberRemoveInput, output: z.strictObject({ workspaceId: z.string(), memberId: z.string() }) },
} satisfies { [C in ChannelName]: ChannelDefinition };

export type Contract = typeof contract;
/** What a caller may send (defaults still optional). */
export type ChannelInput<C extends ChannelName> = z.input<Contract[C]['input']>;
/** What a handler receives after parsing (defaults applied). */
export type ParsedInput<C extends ChannelName> = z.output<Contract[C]['input']>;
export type ChannelOutput<C extends ChannelName> = z.output<Contract[C]['output']>;
