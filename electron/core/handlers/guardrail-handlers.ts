import type { GuardrailChannelName } from '../../../shared/contract/guardrail-channels';
import { defineFeature } from './feature';

export const guardrailsFeature = defineFeature<GuardrailChannelName>(({ guardrails }) => ({
  handlers: {
    'guardrails:get': (input) => guardrails.get(input.workspaceId),
    // Asynchronous: new patterns are run over an adversarial corpus in a worker first.
    'guardrails:save': (input) => guardrails.save(input),
    'guardrails:test': (input) => guardrails.test(input),
    'guardrails:export': (input) => guardrails.export(input.workspaceId),
  },
}));
