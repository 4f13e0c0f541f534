import catalog from '../catalog/model-catalog.json';

/** Vendors of the bundled model catalog: a provider key's vendor must be one of them, so it matches its models. */
export const PROVIDER_VENDORS: readonly string[] = [...new Set((catalog as Array<{ vendor: string }>).map((model) => model.vendor))].sort((a, b) =>
  a.localeCompare(b, 'en'),
);

/** Canonical spelling of a vendor typed in any case, or null if the catalog has no such vendor. */
export function canonicalVendor(vendor: string): string | null {
  const key = vendor.trim().toLowerCase();
  return PROVIDER_VENDORS.find((v) => v.toLowerCase() === key) ?? null;
}
