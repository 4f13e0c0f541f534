import { useEffect, useState } from 'react';
import type { Member } from '../../../../shared/contract/member-schemas';
import { invoke } from '../../ipc/client';

/** Organisation members for pickers (owner, add-member); reloaded whenever a picker mounts. */
export function useMemberOptions(): Member[] {
  const [members, setMembers] = useState<Member[]>([]);
  useEffect(() => {
    let live = true;
    invoke('members:list', {}).then(
      (out) => live && setMembers(out.items),
      () => live && setMembers([]),
    );
    return () => {
      live = false;
    };
  }, []);
  return members;
}
