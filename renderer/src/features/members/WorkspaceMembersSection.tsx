import { useCallback, useEffect, useState } from 'react';
import { ROLES, type Member, type Role, type WorkspaceMember } from '../../../../shared/contract/member-schemas';
import { OptionSelect } from '../../components/OptionSelect';
import { errorMessage, invoke } from '../../ipc/client';
import { refreshAfterWorkspaceChange } from '../../stores/app-store';

/** Members section of the workspace edit panel: each change applies at once (and is audited). */
export function WorkspaceMembersSection({ workspaceId }: { workspaceId: string }) {
  const [items, setItems] = useState<WorkspaceMember[]>([]);
  const [people, setPeople] = useState<Member[]>([]);
  const [addId, setAddId] = useState('');
  const [addRole, setAddRole] = useState<Role>('viewer');
  const [message, setMessage] = useState<string | null>(null);

  const load = useCallback(async () => {
    const [list, all] = await Promise.all([invoke('workspaceMembers:list', { workspaceId }), invoke('members:list', {})]);
    setItems(list.items);
    setPeople(all.items);
  }, [workspaceId]);
  useEffect(() => {
    load().catch((e: unknown) => setMessage(errorMessage(e)));
  }, [load]);

  const act = async (run: () => Promise<unknown>) => {
    setMessage(null);
    try {
      await run();
      await load();
      await refreshAfterWorkspaceChange();
    } catch (e) {
      setMessage(errorMessage(e));
      await load();
    }
  };
  const candidates = people.filter((p) => !items.some((m) => m.memberId === p.id));

  return (
    <section aria-labelledby={`members-${workspaceId}`}>
      <h3 id={`members-${workspaceId}`}>Members ({items.length})</h3>
      <ul className="member-list">
        {items.map((m) => (
          <li key={m.memberId}>
            <span className="member-list__who">
              {m.name}
              {m.isLocalUser ? ' (you)' : ''}
              <small>{m.email}</small>
            </span>
            <OptionSelect
              aria-label={`Role for ${m.name}`}
              options={ROLES}
              value={m.role}
              onValueChange={(role) => void act(() => invoke('workspaceMembers:setRole', { workspaceId, memberId: m.memberId, role }))}
            />
            <button type="button" className="link-button" aria-label={`Remove ${m.name}`} onClick={() => void act(() => invoke('workspaceMembers:remove', { workspaceId, memberId: m.memberId }))}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <div className="member-add">
        <select aria-label="Person to add" value={addId} onChange={(e) => setAddId(e.target.value)}>
          <option value="">{candidates.length ? 'Choose a person…' : 'Everyone is already a member'}</option>
          {candidates.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name} ({p.email})
            </option>
          ))}
        </select>
        <OptionSelect aria-label="Role for new member" options={ROLES} value={addRole} onValueChange={setAddRole} />
        <button
          type="button"
          disabled={!addId}
          onClick={() =>
            void act(async () => {
              await invoke('workspaceMembers:add', { workspaceId, memberId: addId, role: addRole });
              setAddId('');
            })
          }
        >
          Add member
        </button>
      </div>
      <p className="form-error" role={message ? 'alert' : undefined}>
        {message ?? ''}
      </p>
    </section>
  );
}
