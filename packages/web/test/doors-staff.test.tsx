import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import type { User } from '@shuzhi/schema';
import { doorFor } from '../src/doors/registry.ts';
import { I18nProvider } from '../src/i18n/I18nProvider.tsx';

const user = (role: User['role']): User => ({ id: `u_${role}`, username: role, displayName: role, role, tenantId: null, department: null });

function frame(path: string, role: User['role']) {
  const { Layout } = doorFor(path);
  return render(
    <I18nProvider initialLang="en">
      <Layout user={user(role)} path={path} onLogout={() => {}}>
        <p>page</p>
      </Layout>
    </I18nProvider>,
  );
}

afterEach(cleanup);

describe('the staff doors', () => {
  it('own the counter and the government pages; everything else stays in the console', () => {
    expect(doorFor('/gov/window').id).toBe('window');
    expect(doorFor('/gov/work').id).toBe('workbench');
    expect(doorFor('/gov/work/app_1').id).toBe('workbench');
    expect(doorFor('/gov/applications/app_1').id).toBe('workbench');
    expect(doorFor('/gov/dashboard').id).toBe('workbench');
    expect(doorFor('/compute/jobs').id).toBe('console');
    expect(doorFor('/government').id).toBe('console');
  });

  it("frame an officer's page with the workbench header and only its government navigation", () => {
    const { container } = frame('/gov/work', 'officer');
    expect(container.querySelector('[data-door="workbench"]')).not.toBeNull();
    expect(screen.getByTestId('current-user').dataset.role).toBe('officer');
    expect(screen.getByTestId('logout')).toBeTruthy();
    expect(screen.getByTestId('lang-switch')).toBeTruthy();
    const links = [...container.querySelectorAll('nav a')].map((a) => a.getAttribute('href'));
    expect(links).toEqual(['#/gov', '#/gov/work']);
    expect(screen.getByTestId('nav-gov-work').getAttribute('aria-current')).toBe('page');
  });

  it("keep the window clerk in the window's frame on a case filed at the counter", () => {
    const { container } = frame('/gov/applications/app_1', 'window');
    expect(container.querySelector('[data-door="window"]')).not.toBeNull();
    expect([...container.querySelectorAll('nav a')].map((a) => a.getAttribute('href'))).toEqual(['#/gov', '#/gov/window']);
  });

  it('leave an operator reading the supervisor dashboard in the console, with its own navigation', () => {
    const { container } = frame('/gov/dashboard', 'operator');
    expect(container.querySelector('[data-door]')).toBeNull();
    expect(container.querySelector('.shell')).not.toBeNull();
    expect(screen.getByTestId('nav-compute-overview')).toBeTruthy();
  });
});
