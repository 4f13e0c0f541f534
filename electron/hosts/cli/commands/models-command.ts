import { UsageError, type CliPlan, type CliValues } from './cli-plan';

/** `gatehouse models list [--search Q] [--vendor V] [--type T] [--json]`. */
export function planModelsCommand(args: string[], values: CliValues): CliPlan {
  void values;
  throw new UsageError(`Unknown models command "${args.join(' ')}"`);
}
