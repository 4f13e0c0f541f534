import { useCallback, useEffect, useMemo, useState } from 'react';
import type { ProviderAccess } from '../../../../shared/contract/provider-key-schemas';
import type { Workspace } from '../../../../shared/contract/workspace-schemas';
import { maskedSecret } from '../../../../shared/domain/provider-key-rules';
import { errorMessage, invoke } from '../../ipc/client';
import './provider-keys.css';

interface Props {
  workspace: Workspace;
  /** Reports unsaved edits so the panel's unsaved-changes guard covers this section too. */
  onDirtyChange: (dirty: boolean) => void;
}

interface Draft {
  disabled: ReadonlySet<string>;
  /** vendor → pinned key id; a vendor without an entry uses any enabled key. */
  pins: ReadonlyMap<string, string>;
}

function draftFrom(access: ProviderAccess): Draft {
  const disabled = new Set<string>();
  const pins = new Map<string, string>();
  for (const vendor of access.vendors) {
    if (vendor.pinnedKeyId) pins.set(vendor.vendor, vendor.pinnedKeyId);
    for (const key of vendor.keys) if (key.state === 'disabled') disabled.add(key.id);
  }
  return { disabled, pins };
}

const sameDraft = (a: Draft, b: Draft) =>
  a.disabled.size === b.disabled.size &&
  [...a.disabled].every((id) => b.disabled.has(id)) &&
  a.pins.size === b.pins.size &&
  [...a.pins].every(([vendor, id]) => b.pins.get(vendor) === id);

/** Provider access section of the workspace edit panel: every key is usable unless pinned away or disabled. */
export function ProviderAccessSection({ workspace, onDirtyChange }: Props) {
  const [access, setAccess] = useState<ProviderAccess | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [status, setStatus] = useState<{ kind: 'error' | 'saved'; text: string } | null>(null);
  const [saving, setSaving] = useState(false);

  const load = useCallback(async () => {
    try {
      const loaded = await invoke('providerAccess:get', { workspaceId: workspace.id });
      setAccess(loaded);
      setDraft(draftFrom(loaded));
    } catch (e) {
      setStatus({ kind: 'error', text: errorMessage(e) });
    }
  }, [workspace.id]);
  useEffect(() => {
    setStatus(null);
    void load();
  }, [load]);

  const saved = useMemo(() => (access ? draftFrom(access) : null), [access]);
  const dirty = Boolean(draft && saved && !sameDraft(draft, saved));
  useEffect(() => onDirtyChange(dirty), [dirty, onDirtyChange]);

  const setEnabled = (vendor: string, keyId: string, enabled: boolean) =>
    setDraft((d) => {
      if (!d) return d;
      const disabled = new Set(d.disabled);
      const pins = new Map(d.pins);
      if (enabled) disabled.delete(keyId);
      else {
        disabled.add(keyId);
        // A pinned key cannot be disabled: disabling it un-pins the vendor.
        if (pins.get(vendor) === keyId) pins.delete(vendor);
      }
      return { disabled, pins };
    });
  const setPin = (vendor: string, keyId: string | null) =>
    setDraft((d) => {
      if (!d) return d;
      const disabled = new Set(d.disabled);
      const pins = new Map(d.pins);
      if (keyId) {
        pins.set(vendor, keyId);
        disabled.delete(keyId);
      } else pins.delete(vendor);
      return { disabled, pins };
    });

  const save = async () => {
    if (!draft) return;
    setSaving(true);
    setStatus(null);
    try {
      const result = await invoke('providerAccess:save', {
        workspaceId: workspace.id,
        disabledKeyIds: [...draft.disabled],
        pins: [...draft.pins].map(([vendor, providerKeyId]) => ({ vendor, providerKeyId })),
      });
      setAccess(result);
      setDraft(draftFrom(result));
      setStatus({ kind: 'saved', text: 'Provider access saved' });
    } catch (e) {
      setStatus({ kind: 'error', text: errorMessage(e) });
    } finally {
      setSaving(false);
    }
  };

  const headingId = `provider-access-${workspace.id}`;
  return (
    <section aria-labelledby={headingId} className="provider-access">
      <h3 id={headingId}>Provider access</h3>
      {!access || !draft ? (
        <p className="form-status">{status?.kind === 'error' ? '' : 'Loading provider keys…'}</p>
      ) : access.vendors.length === 0 ? (
        <p className="provider-access__empty">
          No provider keys yet. Add credentials on the Provider keys page (sidebar); every key is usable by every workspace unless you pin or
          disable it here.
        </p>
      ) : (
        <>
          <p className="field__hint">By default every key is usable. Pin one key per vendor, or untick keys this workspace must not use.</p>
          {access.vendors.map((vendor) => {
            const pinned = draft.pins.get(vendor.vendor) ?? null;
            return (
              <fieldset key={vendor.vendor} className="provider-access__vendor">
                <legend>{vendor.vendor}</legend>
                <label className="provider-access__any">
                  <input type="radio" name={`pin-${workspace.id}-${vendor.vendor}`} checked={pinned === null} onChange={() => setPin(vendor.vendor, null)} />
                  Any enabled {vendor.vendor} key
                </label>
                <ul className="provider-access__keys">
                  {vendor.keys.map((key) => {
                    const enabled = !draft.disabled.has(key.id);
                    const bypassed = pinned !== null && pinned !== key.id;
                    return (
                      <li key={key.id}>
                        <span className="provider-access__key">
                          {key.label} <code>{maskedSecret(key.last4)}</code>
                          {bypassed && enabled ? <small> not used while another key is pinned</small> : null}
                        </span>
                        <label className="inline-label">
                          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(vendor.vendor, key.id, e.target.checked)} aria-label={`Enable ${vendor.vendor} key ${key.label}`} />
                          Enabled
                        </label>
                        <label className="inline-label">
                          <input
                            type="radio"
                            name={`pin-${workspace.id}-${vendor.vendor}`}
                            checked={pinned === key.id}
                            onChange={() => setPin(vendor.vendor, key.id)}
                            aria-label={`Pin ${vendor.vendor} key ${key.label}`}
                          />
                          Pin
                        </label>
                      </li>
                    );
                  })}
                </ul>
              </fieldset>
            );
          })}
        </>
      )}
      <p className={`form-status form-status--${status?.kind ?? 'none'}`} aria-live="polite">
        {status?.text ?? (dirty ? 'You have unsaved provider access changes' : '')}
      </p>
      {access && access.vendors.length > 0 ? (
        <div className="edit-panel__actions">
          <span className="spacer" />
          <button
            type="button"
            disabled={!dirty || saving}
            onClick={() => {
              if (saved) setDraft(saved);
              setStatus(null);
            }}
            aria-label="Cancel provider access changes"
          >
            Cancel
          </button>
          <button type="button" className="primary" disabled={!dirty || saving} onClick={() => void save()} aria-label="Save Changes to provider access">
            {saving ? 'Saving…' : 'Save Changes'}
          </button>
        </div>
      ) : null}
    </section>
  );
}
