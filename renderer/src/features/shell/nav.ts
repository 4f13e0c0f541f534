/** The sidebar's pages, in order; the command palette lists the same. */
export type NavPath = '/overview' | '/workspaces' | '/keys' | '/models' | '/provider-keys' | '/usage' | '/members' | '/audit' | '/sync' | '/settings';

export const NAV: Array<{ to: NavPath; label: string }> = [
  { to: '/overview', label: 'Overview' },
  { to: '/workspaces', label: 'Workspaces' },
  { to: '/keys', label: 'API Keys' },
  { to: '/models', label: 'Models' },
  { to: '/provider-keys', label: 'Provider keys' },
  { to: '/usage', label: 'Usage' },
  { to: '/members', label: 'Members' },
  { to: '/audit', label: 'Audit log' },
  { to: '/sync', label: 'Sync' },
  { to: '/settings', label: 'Settings' },
];
