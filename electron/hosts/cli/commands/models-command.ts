import type { Model } from '../../../../shared/contract/model-schemas';
import { MODEL_PAGE_SIZE_MAX, MODEL_TYPES, type ModelType } from '../../../../shared/domain/model-rules';
import { UsageError, type CliPlan, type CliValues } from './cli-plan';
import { CallFailed, callCore, textTable } from './cli-call';

/** `--type` accepts an id (`image-generation`) or a label (`Image generation`), comma-separated. */
function parseTypes(value: string | boolean | undefined): ModelType[] {
  if (typeof value !== 'string') return [];
  return value.split(',').map((raw) => {
    const wanted = raw.trim().toLowerCase();
    const found = MODEL_TYPES.find((t) => t.id === wanted || t.label.toLowerCase() === wanted);
    if (!found) throw new UsageError(`Unknown model type "${raw.trim()}". Choose one of: ${MODEL_TYPES.map((t) => t.id).join(', ')}`);
    return found.id;
  });
}

const splitList = (value: string | boolean | undefined) => (typeof value === 'string' ? value.split(',').map((v) => v.trim()).filter(Boolean) : []);

function modelTable(items: Model[]): string {
  const header = ['ID', 'NAME', 'VENDOR', 'TYPE', 'TOKEN-METERED', 'CONTEXT'];
  const rows = items.map((m) => [m.id, m.displayName, m.vendor, m.type, m.tokenMetered ? 'yes' : 'no', m.contextWindow?.toLocaleString('en-US') ?? '—']);
  return textTable(header, rows);
}


/** `gatehouse models list [--search Q] [--vendor V[,V]] [--type T[,T]] [--json]`. */
export function planModelsCommand(args: string[], values: CliValues): CliPlan {
  const [sub, ...rest] = args;
  if (sub !== 'list' || rest.length > 0) throw new UsageError(`Unknown models command "${args.join(' ')}". Usage: gatehouse models list [--search Q] [--vendor V] [--type T] [--json]`);
  const types = parseTypes(values.type);
  const vendorNames = splitList(values.vendor);
  const search = typeof values.search === 'string' ? values.search : '';
  return {
    async run(core, io) {
      try {
        // Vendors match case-insensitively against the catalog's spelling.
        const known = (await callCore<{ vendors: Array<{ vendor: string }> }>(core, 'models:facets', {})).vendors.map((v) => v.vendor);
        const vendors = vendorNames.map((name) => {
          const found = known.find((v) => v.toLowerCase() === name.toLowerCase());
          if (!found) throw new CallFailed({ code: 'E_VALIDATION', message: `Unknown vendor "${name}". Known vendors: ${known.join(', ')}` });
          return found;
        });
        const items: Model[] = [];
        for (let index = 0; ; index += 1) {
          const page = await callCore<{ items: Model[]; total: number }>(core, 'models:list', { search, vendors, types, page: { index, size: MODEL_PAGE_SIZE_MAX } });
          items.push(...page.items);
          if (items.length >= page.total || page.items.length === 0) break;
        }
        io.out(values.json === true ? JSON.stringify(items, null, 2) : items.length ? modelTable(items) : 'No models match.');
        return 0;
      } catch (error) {
        if (!(error instanceof CallFailed)) throw error;
        io.err(`${error.payload.code}: ${error.payload.message}`);
        return 1;
      }
    },
  };
}
