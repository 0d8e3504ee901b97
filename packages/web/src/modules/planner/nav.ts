/** The planner page's entry in the compute nav group (kept free of component imports for nav.ts). */
export const plannerNavItem = { id: 'plan', path: '/compute/plan', label: 'planner.nav.plan', roles: ['operator', 'viewer', 'tenant'] } as const;
