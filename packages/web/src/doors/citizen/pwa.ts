/**
 * Installs the app-shell service worker (public/sw.js). Only where the browser allows one (https or
 * localhost); a refusal costs the offline shell, never the app, so it is not reported as an error.
 */
export function registerShellWorker(): void {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator) || !globalThis.isSecureContext) return;
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => undefined);
}
