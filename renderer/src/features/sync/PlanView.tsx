import type { RefObject } from 'react';
import type { PlanConflict, PlanField, PlanOp, SyncPlan } from '../../../../shared/contract/sync-schemas';
import {
  applicableOps,
  applyLabel,
  conflictReason,
  conflictSides,
  fieldCell,
  formatTime,
  groupOps,
  opKindLabel,
  summaryLine,
} from './plan-format';

type Choice = 'keep-local' | 'take-remote';

interface PlanViewProps {
  plan: SyncPlan;
  /** A job or a resolve is under way: the plan is shown but cannot be acted on. */
  busy: boolean;
  onResolve: (conflict: PlanConflict, choice: Choice) => void;
  onApply: () => void;
  /** Takes focus after a re-plan, so keyboard users are not left on a removed button. */
  summaryRef: RefObject<HTMLParagraphElement | null>;
}

/**
 * A stored plan for review: the summary, the conflicts (each with both values and the two
 * choices), then every operation grouped by workspace with its field-level before → after.
 */
export function PlanView({ plan, busy, onResolve, onApply, summaryRef }: PlanViewProps) {
  const groups = groupOps(plan.ops);
  const applicable = applicableOps(plan).length;
  const writeOnlyPaths = new Set(plan.ops.flatMap((op) => op.fields.filter((f) => f.writeOnly).map((f) => `${op.ord}:${f.path}`)));
  return (
    <div className="sync-plan" aria-busy={busy || undefined}>
      <div className="sync-plan__header">
        <div>
          <p className="sync-plan__summary" ref={summaryRef} tabIndex={-1}>
            {summaryLine(plan.summary)}
          </p>
          <p className="sync-plan__meta">
            Planned {formatTime(plan.createdAt)} from {plan.remoteRead === 'full' ? 'a full read of the remote' : 'the remote’s change feed'}.
            {plan.conflicts.length ? ' Conflicts are held back; apply sends everything else.' : ''}
          </p>
        </div>
        <button type="button" className="primary" disabled={busy || applicable === 0} onClick={onApply}>
          {applyLabel(plan)}
        </button>
      </div>

      {plan.warnings.length ? <Warnings label="Plan warnings" warnings={plan.warnings} /> : null}

      {plan.ops.length === 0 ? <p className="sync-plan__empty">Everything is in sync: nothing to send and nothing to take from the remote.</p> : null}

      {plan.conflicts.length ? (
        <section className="sync-conflicts" aria-labelledby="sync-conflicts-title">
          <h3 id="sync-conflicts-title">Conflicts ({plan.conflicts.length})</h3>
          <p className="sync-conflicts__help">Both sides changed these since the last sync. Choose which value wins; the plan is made again after each choice.</p>
          <ul className="sync-conflicts__list">
            {plan.conflicts.map((conflict) => (
              <ConflictItem key={conflict.key} conflict={conflict} writeOnly={writeOnlyPaths.has(`${conflict.ord}:${conflict.path}`)} busy={busy} onResolve={onResolve} />
            ))}
          </ul>
        </section>
      ) : null}

      {groups.map((group) => (
        <section key={group.workspaceId ?? '(org)'} className="sync-group" aria-labelledby={`sync-group-${group.workspaceId ?? 'org'}`}>
          <h3 id={`sync-group-${group.workspaceId ?? 'org'}`}>
            {group.title} <span className="sync-group__count">· {group.ops.length === 1 ? '1 operation' : `${group.ops.length} operations`}</span>
          </h3>
          <ul className="sync-ops">
            {group.ops.map((op) => (
              <OpItem key={op.ord} op={op} />
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}

function Warnings({ label, warnings }: { label: string; warnings: SyncPlan['warnings'] }) {
  return (
    <ul className="sync-warnings" aria-label={label}>
      {warnings.map((w, i) => (
        <li key={`${w.code}-${i}`} className="warning">
          {w.message}
        </li>
      ))}
    </ul>
  );
}

function ConflictItem({ conflict, writeOnly, busy, onResolve }: { conflict: PlanConflict; writeOnly: boolean; busy: boolean; onResolve: PlanViewProps['onResolve'] }) {
  const sides = conflictSides(conflict, writeOnly);
  const what = `${conflict.label}, ${conflict.path}`;
  return (
    <li className="sync-conflict">
      <p className="sync-conflict__title">
        <strong>{conflict.label}</strong> · <code>{conflict.path}</code> — {conflictReason(conflict)}
      </p>
      {conflict.message ? <p className="sync-conflict__message">{conflict.message}</p> : null}
      <dl className="sync-conflict__sides">
        <div>
          <dt>Mine (here)</dt>
          <dd>{sides.mine}</dd>
        </div>
        <div>
          <dt>Theirs (remote)</dt>
          <dd>{sides.theirs}</dd>
        </div>
        <div>
          <dt>At the last sync</dt>
          <dd>{sides.base}</dd>
        </div>
      </dl>
      <div className="sync-conflict__actions">
        <button type="button" disabled={busy} aria-label={`Keep mine: ${what}`} onClick={() => onResolve(conflict, 'keep-local')}>
          Keep mine
        </button>
        <button type="button" disabled={busy} aria-label={`Take theirs: ${what}`} onClick={() => onResolve(conflict, 'take-remote')}>
          Take theirs
        </button>
      </div>
    </li>
  );
}

function OpItem({ op }: { op: PlanOp }) {
  const kind = opKindLabel(op);
  return (
    <li className={`sync-op sync-op--${op.kind}`}>
      <p className="sync-op__title">
        <span className={`sync-tag sync-tag--${op.kind}`}>{kind}</span> {op.label}
      </p>
      {op.fields.length ? <FieldTable caption={`${kind}: ${op.label}`} fields={op.fields} /> : null}
      {op.warnings.length ? <Warnings label={`Warnings for ${op.label}`} warnings={op.warnings} /> : null}
    </li>
  );
}

const SOURCE_TEXT: Record<PlanField['source'], string> = {
  local: 'from here',
  remote: 'from the remote',
  both: 'same on both sides',
  conflict: 'conflict',
};

function FieldTable({ caption, fields }: { caption: string; fields: PlanField[] }) {
  return (
    <table className="sync-fields">
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Before (last sync)</th>
          <th scope="col">Here</th>
          <th scope="col">Remote</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {fields.map((field) => (
          <tr key={field.path} className={field.source === 'conflict' ? 'sync-fields__row--conflict' : undefined}>
            <th scope="row">
              <code>{field.path}</code> <span className="sync-fields__source">{SOURCE_TEXT[field.source]}</span>
            </th>
            <td>{fieldCell(field, 'base')}</td>
            <td>{fieldCell(field, 'local')}</td>
            <td>{fieldCell(field, 'remote')}</td>
            <td className="sync-fields__result">
              <span aria-hidden="true">→ </span>
              {field.source === 'conflict' ? 'your choice' : fieldCell(field, 'result')}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
