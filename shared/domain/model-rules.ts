/** Model catalog and model-permission rules shared by the core (enforcement) and the renderer (forms, labels). */
export const MODEL_TYPES = [
  { id: 'text', label: 'Text' },
  { id: 'vision', label: 'Vision' },
  { id: 'image-generation', label: 'Image generation' },
  { id: 'video-generation', label: 'Video generation' },
  { id: 'embedding', label: 'Embedding' },
  { id: 'speech-audio', label: 'Speech / audio' },
  { id: 'rerank', label: 'Rerank' },
] as const;
export type ModelType = (typeof MODEL_TYPES)[number]['id'];

export const PRICE_UNITS = ['image', 'second', 'minute', '1k-characters'] as const;

export const MODEL_SORT_FIELDS = ['displayName', 'vendor', 'type', 'contextWindow', 'inputPrice'] as const;
export type ModelSortField = (typeof MODEL_SORT_FIELDS)[number];

/** Page sizes the selection dialog and the catalog page offer; the core accepts any size up to the max. */
export const MODEL_PAGE_SIZES = [10, 25, 50, 100] as const;
export const MODEL_PAGE_SIZE_MAX = 500;
/** One grant list or one bulk grant can name at most this many models (a whole 10k catalog fits). */
export const MAX_GRANTS_PER_WORKSPACE = 10_000;
export const MAX_BULK_WORKSPACES = 100;

/** Case-insensitive, Unicode-normalised key used for model name search (display name + id). */
export function modelSearchKey(displayName: string, id: string): string {
  return `${displayName} ${id}`.normalize('NFKC').toLowerCase();
}

export function normalizeModelSearch(search: string): string {
  return search.trim().normalize('NFKC').toLowerCase();
}

/** How a granted limit reads in tables and previews: empty means the gateway default applies. */
export function formatLimit(limit: number | null): string {
  return limit === null ? 'default' : limit.toLocaleString('en-US');
}

export function modelTypeLabel(type: string): string {
  return MODEL_TYPES.find((t) => t.id === type)?.label ?? type;
}
