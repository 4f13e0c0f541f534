import { UsageError, type CliPlan, type CliValues } from './cli-plan';

/** `gatehouse export usage --from D --to D [--group-by …] --out FILE`, `export workspaces|keys --out FILE`. */
export function planExportCommand(args: string[], values: CliValues): CliPlan {
  void values;
  throw new UsageError(`Unknown export command "${args.join(' ')}"`);
}
