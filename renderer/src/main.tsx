import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { AppShell } from './features/shell/AppShell';
import { applyStoredTheme } from './features/shell/theme';
import './styles.css';

applyStoredTheme();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <AppShell />
  </StrictMode>,
);
