import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { NavLink, Outlet, useNavigate } from 'react-router';
import { api } from '../api/client.js';
import { personName } from '../lib/format.js';
import { visibleNavigation } from '../lib/navigation.js';
import { ROLE_LABELS } from '../lib/permissions.js';
import { useSession } from '../session.js';

export function Layout() {
  const { me } = useSession();
  const [menuOpen, setMenuOpen] = useState(false);
  const navigate = useNavigate();
  const qc = useQueryClient();
  const sections = visibleNavigation(me.role);
  const who = me.user
    ? personName(me.user)
    : me.principal === 'master_key'
      ? 'Master key'
      : 'API key';

  const signOut = async () => {
    await api.post('/auth/logout').catch(() => undefined);
    qc.clear();
    void navigate('/sign-in', { replace: true });
  };

  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button
          type="button"
          className="menu-toggle secondary"
          aria-expanded={menuOpen}
          aria-controls="nav"
          onClick={() => setMenuOpen((o) => !o)}
        >
          Menu
        </button>
        <span className="brand">Gatehouse</span>
        <span className="who">
          <span>{who}</span>
          {me.role ? <span className="badge">{ROLE_LABELS[me.role]}</span> : null}
          {me.principal === 'session' ? (
            <button type="button" className="secondary" onClick={() => void signOut()}>
              Sign out
            </button>
          ) : null}
        </span>
      </header>
      <nav id="nav" aria-label="Main" className={menuOpen ? 'nav open' : 'nav'}>
        {sections.map((s) => (
          <div key={s.label} className="nav-section">
            <h2>{s.label}</h2>
            <ul>
              {s.items.map((i) => (
                <li key={i.to}>
                  <NavLink to={i.to} end={i.to === '/'} onClick={() => setMenuOpen(false)}>
                    {i.label}
                  </NavLink>
                </li>
              ))}
            </ul>
          </div>
        ))}
      </nav>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
