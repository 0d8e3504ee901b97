import { describe, expect, it } from 'vitest';
import { doorFor as fullDoorFor } from '../src/doors/registry.ts';
import { doorFor } from '../src/door/registry.ts';
import { routes as doorRoutes } from '../src/door/routes.tsx';
import { routes } from '../src/routes.tsx';

// The door build (vite build --mode door) serves a citizen's and a company's every page: it must route every
// path of the citizen app and the kiosk as the whole app does, and frame it in the same door.
describe('the door build', () => {
  const citizenPatterns = routes.map((r) => r.pattern).filter((p) => /^\/gov\/(app|kiosk)(\/|$)|^\/verify\//.test(p));

  it('has every route of the citizen app, the kiosk and certificate verification, and no other', () => {
    expect(citizenPatterns.length).toBeGreaterThan(10);
    expect(doorRoutes.map((r) => r.pattern).sort()).toEqual([...citizenPatterns].sort());
  });

  it('frames each of those paths in the door the whole app does', () => {
    for (const path of ['/gov/app', '/gov/app/apply/newborn', '/gov/app/me', '/gov/kiosk', '/gov/kiosk/done/x'])
      expect([path, doorFor(path).id]).toEqual([path, fullDoorFor(path).id]);
    expect(doorFor('/compute/overview').id).toBe('citizen');
  });
});
