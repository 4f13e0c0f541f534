import type { Workspace } from '../../../../shared/contract/workspace-schemas';

interface Props {
  workspace: Workspace;
  /** Reports unsaved edits so the panel's unsaved-changes guard covers this section too. */
  onDirtyChange: (dirty: boolean) => void;
}

/** Provider access section of the workspace edit panel. */
export function ProviderAccessSection({ workspace, onDirtyChange }: Props) {
  void workspace;
  void onDirtyChange;
  return null;
}
