import type { Grant, GrantInput, Model } from '../../../../shared/contract/model-schemas';

/** One row of the section as the user edits it: limits are the raw text of the inputs. */
export interface DraftGrant {
  modelId: string;
  displayName: string;
  vendor: string;
  type: Grant['type'];
  tokenMetered: boolean;
  rpm: string;
  tpm: string;
}

export const draftFromGrant = (g: Grant): DraftGrant => ({
  modelId: g.modelId,
  displayName: g.displayName,
  vendor: g.vendor,
  type: g.type,
  tokenMetered: g.tokenMetered,
  rpm: g.rpmLimit === null ? '' : String(g.rpmLimit),
  tpm: g.tpmLimit === null ? '' : String(g.tpmLimit),
});

export const draftFromModel = (m: Model, rpm = '', tpm = ''): DraftGrant => ({
  modelId: m.id,
  displayName: m.displayName,
  vendor: m.vendor,
  type: m.type,
  tokenMetered: m.tokenMetered,
  rpm,
  tpm: m.tokenMetered ? tpm : '',
});

/** Empty → null (inherit the gateway default); digits → number; anything else → 'bad'. */
export function parseLimit(text: string): number | null | 'bad' {
  const trimmed = text.trim().replace(/[,_\s]/g, '');
  if (trimmed === '') return null;
  return /^\d{1,16}$/.test(trimmed) ? Number(trimmed) : 'bad';
}

/** The draft as the save channel takes it, or per-row field errors keyed like the core's issues (`grants.3.rpmLimit`). */
export function toGrantInputs(draft: DraftGrant[]): { ok: true; grants: GrantInput[] } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const grants = draft.map((row, i) => {
    const rpm = parseLimit(row.rpm);
    const tpm = row.tokenMetered ? parseLimit(row.tpm) : null;
    if (rpm === 'bad') errors[`grants.${i}.rpmLimit`] = 'Enter a whole number, or leave empty for the gateway default';
    if (tpm === 'bad') errors[`grants.${i}.tpmLimit`] = 'Enter a whole number, or leave empty for the gateway default';
    return { modelId: row.modelId, rpmLimit: rpm === 'bad' ? null : rpm, tpmLimit: tpm === 'bad' ? null : tpm };
  });
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, grants };
}

export function sameDraft(a: DraftGrant[], b: DraftGrant[]): boolean {
  return a.length === b.length && a.every((row, i) => row.modelId === b[i]!.modelId && row.rpm.trim() === b[i]!.rpm.trim() && row.tpm.trim() === b[i]!.tpm.trim());
}
