import { RouterProvider, type RouterHistory } from '@tanstack/react-router';
import { useState } from 'react';
import { createAppRouter } from './router';

/** The app: the router (hash URLs) around the shell. Tests pass a memory history. */
export function AppShell({ history }: { history?: RouterHistory }) {
  const [router] = useState(() => createAppRouter(history));
  return <RouterProvider router={router} />;
}
