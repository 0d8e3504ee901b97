// The citizen app's service worker: it keeps the app shell (the page, its scripts and styles, the icons) so
// the app opens on a slow or dropped link. API answers are personal and live: never cached, never touched.
// The page at `/` carries who is signed in (the server embeds the session): it is never stored either; a
// dropped link gets `/index.html`, the same shell without a session, which asks the server who it is.
// A citizen's page carries its door inline (the server's web-shell.ts) and asks for no /assets/ file: the
// offline shell's scripts and styles (those /index.html names) are stored at install, not as they are served.
const CACHE = 'shuzhi-shell-v3';
const SHELL = ['/index.html', '/manifest.webmanifest', '/icons/icon.svg', '/icons/icon-192.png', '/icons/icon-512.png'];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) =>
        cache
          .addAll(SHELL)
          .then(() => cache.match('/index.html'))
          .then((page) => page.text())
          .then((html) => cache.addAll([...new Set([...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]))])),
      )
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

function isShell(url) {
  return url.pathname.startsWith('/assets/') || SHELL.includes(url.pathname);
}

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  if (url.pathname === '/') {
    event.respondWith(fetch(event.request).catch(() => caches.match('/index.html')));
    return;
  }
  if (!isShell(url)) return;
  // Network first: a new release shows at once; the cached copy only when the network fails.
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          event.waitUntil(caches.open(CACHE).then((cache) => cache.put(event.request, copy)));
        }
        return response;
      })
      .catch(() => caches.match(event.request).then((hit) => hit || caches.match('/index.html'))),
  );
});
