import type { z } from 'zod';
import { appContract } from './app-schemas';
import { auditContract } from './audit-schemas';
import { backupContract } from './backup-schemas';
import { budgetContract } from './budget-schemas';
import type { ChannelDefinition } from './channel-definition';
import type { ChannelName } from './channel-names';
import { exportContract } from './export-schemas';
import { jobContract } from './job-schemas';
import { keyContract } from './key-schemas';
import { memberContract } from './member-schemas';
import { modelContract } from './model-schemas';
import { providerKeyContract } from './provider-key-schemas';
import { routingContract } from './routing-schemas';
import { guardrailContract } from './guardrail-schemas';
import { syncContract } from './sync-schemas';
import { usageContract } from './usage-schemas';
import { workspaceContract } from './workspace-schemas';

export type { ChannelDefinition };

/** The single source of truth for every channel: each feature's slice of name → strict input and output schemas. */
export const contract = {
  ...appContract,
  ...workspaceContract,
  ...keyContract,
  ...memberContract,
  ...auditContract,
  ...modelContract,
  ...providerKeyContract,
  ...usageContract,
  ...budgetContract,
  ...exportContract,
  ...jobContract,
  ...syncContract,
  ...routingContract,
  ...guardrailContract,
  ...backupContract,
} satisfies { [C in ChannelName]: ChannelDefinition };

export type Contract = typeof contract;
/** What a caller may send (defaults still optional). */
export type ChannelInput<C extends ChannelName> = z.input<Contract[C]['input']>;
/** What a handler receives after parsing (defaults applied). */
export type ParsedInput<C extends ChannelName> = z.output<Contract[C]['input']>;
export type ChannelOutput<C extends ChannelName> = z.output<Contract[C]['output']>;
