// Fetch-event handler: "hello from js <path>" for every request, so a host test can check that
// the request reached the guest and the path survived the trip.
addEventListener("fetch", (event) => {
  const path = new URL(event.request.url).pathname;
  event.respondWith(
    new Response(`hello from js ${path}\n`, {
      status: 200,
      headers: { "content-type": "text/plain", "x-fixture": "js_http" },
    }),
  );
});
