import type { Workspace } from '../../../../shared/contract/workspace-schemas';
import { CURRENCIES, formatMinorPlain, parseMoneyToMinor } from '../../../../shared/domain/money';
import {
  ENVIRONMENTS,
  REGIONS,
  WORKSPACE_DESCRIPTION_MAX,
  WORKSPACE_NAME_MAX,
  WORKSPACE_STATUSES,
  type Environment,
  type Region,
  type WorkspaceStatus,
} from '../../../../shared/domain/workspace-rules';
import { Field } from '../../components/Field';
import { OptionSelect } from '../../components/OptionSelect';
import { useMemberOptions } from '../members/use-member-options';

export interface WorkspaceFormValues {
  name: string;
  description: string;
  environment: Environment;
  region: Region;
  status: WorkspaceStatus;
  ownerMemberId: string;
  budget: string;
  currency: string;
}

export const emptyWorkspaceForm = (ownerMemberId: string): WorkspaceFormValues => ({
  name: '',
  description: '',
  environment: 'production',
  region: 'global',
  status: 'active',
  ownerMemberId,
  budget: '0',
  currency: 'USD',
});

export function formFromWorkspace(ws: Workspace): WorkspaceFormValues {
  return {
    name: ws.name,
    description: ws.description,
    environment: ws.environment,
    region: ws.region,
    status: ws.status,
    ownerMemberId: ws.ownerMemberId ?? '',
    budget: formatMinorPlain(ws.monthlyBudgetMinor, ws.currency),
    currency: ws.currency,
  };
}

/** Converts the form to channel input; a budget the user mistyped is reported as a field error. */
export function formToInput(values: WorkspaceFormValues):
  | { ok: true; input: Omit<WorkspaceFormValues, 'budget' | 'ownerMemberId'> & { ownerMemberId?: string; monthlyBudgetMinor: number; currency: 'USD' } }
  | { ok: false; errors: Record<string, string> } {
  const minor = parseMoneyToMinor(values.budget, values.currency);
  if (minor === null) return { ok: false, errors: { monthlyBudgetMinor: 'Enter an amount like 1500 or 1500.50' } };
  const { budget: _budget, ownerMemberId, ...rest } = values;
  return {
    ok: true,
    input: { ...rest, ...(ownerMemberId ? { ownerMemberId } : {}), monthlyBudgetMinor: minor, currency: values.currency as 'USD' },
  };
}

interface WorkspaceFieldsProps {
  values: WorkspaceFormValues;
  errors: Record<string, string>;
  onChange: (patch: Partial<WorkspaceFormValues>) => void;
  disabled?: boolean;
}

export function WorkspaceFields({ values, errors, onChange, disabled = false }: WorkspaceFieldsProps) {
  const members = useMemberOptions();
  return (
    <div className="form-grid">
      <Field label="Name" error={errors.name} hint={`1–${WORKSPACE_NAME_MAX} characters, unique`}>
        <input value={values.name} disabled={disabled} onChange={(e) => onChange({ name: e.target.value })} autoComplete="off" />
      </Field>
      <Field label="Owner" error={errors.ownerMemberId}>
        <select value={values.ownerMemberId} disabled={disabled} onChange={(e) => onChange({ ownerMemberId: e.target.value })}>
          {values.ownerMemberId === '' ? <option value="">Choose a member…</option> : null}
          {members.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Environment" error={errors.environment}>
        <OptionSelect options={ENVIRONMENTS} value={values.environment} disabled={disabled} onValueChange={(environment) => onChange({ environment })} />
      </Field>
      <Field label="Region" error={errors.region}>
        <OptionSelect options={REGIONS} value={values.region} disabled={disabled} onValueChange={(region) => onChange({ region })} />
      </Field>
      <Field label="Status" error={errors.status}>
        <OptionSelect options={WORKSPACE_STATUSES} value={values.status} disabled={disabled} onValueChange={(status) => onChange({ status })} />
      </Field>
      <div className="form-row">
        <Field label="Monthly budget" error={errors.monthlyBudgetMinor}>
          <input inputMode="decimal" value={values.budget} disabled={disabled} onChange={(e) => onChange({ budget: e.target.value })} />
        </Field>
        <Field label="Currency" error={errors.currency}>
          <select value={values.currency} disabled={disabled} onChange={(e) => onChange({ currency: e.target.value })}>
            {CURRENCIES.map((c) => (
              <option key={c.code} value={c.code}>
                {c.code}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <div className="form-grid__wide">
        <Field label="Description" error={errors.description} hint={`Optional, up to ${WORKSPACE_DESCRIPTION_MAX} characters`}>
          <textarea rows={3} value={values.description} disabled={disabled} onChange={(e) => onChange({ description: e.target.value })} />
        </Field>
      </div>
    </div>
  );
}
