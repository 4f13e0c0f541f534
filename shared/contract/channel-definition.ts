import type { z } from 'zod';

/** One channel's strict input and output schemas. */
export interface ChannelDefinition {
  input: z.ZodType;
  output: z.ZodType;
}
