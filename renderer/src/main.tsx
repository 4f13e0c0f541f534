import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { AppShell } from './features/shell/AppShell';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <AppShell />
  </StrictMode>,
);
