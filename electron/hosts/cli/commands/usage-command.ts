import { UsageError, type CliPlan, type CliValues } from './cli-plan';

/** `gatehouse usage generate --days N --rows N [--seed S]` and `gatehouse usage import FILE`. */
export function planUsageCommand(args: string[], values: CliValues): CliPlan {
  void values;
  throw new UsageError(`Unknown usage command "${args.join(' ')}"`);
}
