// On the analyzer page, the site search's index (search/search_index.json, about 56 KB compressed, then
// parsed and indexed in the search worker) waits until Python is ready, or until the reader reaches for
// the search box, whichever comes first. On a first visit it would otherwise compete with Pyodide's
// start for the same network and CPU (issue 8). Material requests the index with XMLHttpRequest when its
// bundle starts, so this classic script, loaded before the bundle, holds that one request back.
(() => {
  const INDEX = "/search/search_index.json";
  const FALLBACK_MS = 15_000; // never later than this, whatever happens to Python
  const held = [];
  let released = false;
  const open = XMLHttpRequest.prototype.open;
  const send = XMLHttpRequest.prototype.send;

  function release() {
    if (released) return;
    released = true;
    for (const [request, args] of held.splice(0)) send.apply(request, args);
  }

  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    this.analyzerHoldsSearchIndex = !released && new URL(String(url), location.href).pathname.endsWith(INDEX);
    return open.call(this, method, url, ...rest);
  };
  XMLHttpRequest.prototype.send = function (...args) {
    if (this.analyzerHoldsSearchIndex && !released) {
      held.push([this, args]);
      return;
    }
    send.apply(this, args);
  };

  // The reader wants search: the search box, its toggle, or Material's keyboard shortcuts (/, s, f).
  const wantsSearch = (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (target && target.closest(".md-search, [for='__search'], [data-md-toggle='search']")) release();
    if (event.type === "keydown" && ["/", "s", "f", "S", "F"].includes(event.key)) {
      const typing = target && target.closest("input, textarea, select, [contenteditable='true']");
      if (!typing) release();
    }
  };
  for (const type of ["focusin", "pointerdown", "keydown"]) document.addEventListener(type, wantsSearch, true);

  // Python ready (or failed): analyzer.js sets data-state on #an-status.
  const watch = () => {
    const status = document.getElementById("an-status");
    if (!status) {
      release();
      return;
    }
    const settled = () => status.dataset.state === "ready" || status.dataset.state === "failed";
    if (settled()) {
      release();
      return;
    }
    const observer = new MutationObserver(() => {
      if (!settled()) return;
      observer.disconnect();
      release();
    });
    observer.observe(status, { attributes: true, attributeFilter: ["data-state"] });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch, { once: true });
  else watch();
  setTimeout(release, FALLBACK_MS);
})();
