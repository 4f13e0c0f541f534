import type { Workspace } from '../../../../shared/contract/workspace-schemas';

interface Props {
  workspace: Workspace;
  /** Reports unsaved edits so the panel's unsaved-changes guard covers this section too. */
  onDirtyChange: (dirty: boolean) => void;
}

/** Model permission section of the workspace edit panel. */
export function ModelPermissionSection({ workspace, onDirtyChange }: Props) {
  void workspace;
  void onDirtyChange;
  return null;
}
