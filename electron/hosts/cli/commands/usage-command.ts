import { UsageError, type CliPlan, type CliValues } from './cli-plan';

/** `gatehouse usage generate|import …` and `gatehouse export usage|workspaces|keys …`. */
export function planUsageCommand(command: 'usage' | 'export', args: string[], values: CliValues): CliPlan {
  void values;
  throw new UsageError(`Unknown ${command} command "${args.join(' ')}"`);
}
