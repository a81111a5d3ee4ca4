// Crew app service worker: keeps the app shell so the app opens without a network.
// Today's work and the upload queue live in IndexedDB (crew.js); API calls always go to the network.
const CACHE = "{{ version }}";
const SHELL = {{ shell_json|safe }};

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate" && url.pathname.startsWith("/crew")) {
    // Network first (fresh page, fresh CSRF token); the saved shell when offline.
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok && url.pathname === "/crew/") {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put("/crew/", copy));
          }
          return response;
        })
        .catch(() => caches.match("/crew/"))
    );
    return;
  }
  if (SHELL.includes(url.pathname)) {
    event.respondWith(
      caches.match(request).then((hit) => {
        const fresh = fetch(request).then((response) => {
          if (response.ok) caches.open(CACHE).then((cache) => cache.put(request, response.clone()));
          return response;
        });
        return hit || fresh;
      })
    );
  }
});
