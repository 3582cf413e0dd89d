// Service worker of 外业采集 (workflow/offline/views.py). It keeps the page and its
// scripts so that /offline opens with no network: network first (a fresh page when
// online), the stored copy when the network fails. The data and the drafts live in the
// page's IndexedDB and are sent by the page (offline.js), not from here.
var CACHE = "wf-offline-v1";
var SHELL = ["/offline", "/static/app.css", "/static/offline.js", "/static/phone.js",
             "/static/forms.js", "/static/icon-192.png"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  var path = url.pathname;
  if (SHELL.indexOf(path) < 0) return;
  event.respondWith(fetch(event.request).then(function (response) {
    // A redirect (to 登录 after the session ended) is not the page: keep the old copy.
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(path, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(path).then(function (hit) { return hit || Response.error(); });
  }));
});
