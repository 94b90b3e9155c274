// The shared worker: one Python (worker.mjs) for every page of this site open in this browser, kept
// running across page changes (python.js starts it with extendedLifetime).
//
// worker.mjs is written for a dedicated worker: it calls the global postMessage and takes requests as
// "message" events. This module gives it both, over the ports of the connected pages. An answer goes
// back to the page that asked (request ids are renumbered: every page counts from 1); the loading
// progress goes to every page. A page that connects later is told at once how far loading got, so a
// page opened while Python runs is ready without waiting.

const boot = randomId();
const started = performance.now();
const ports = new Set();
const askedBy = new Map(); // our request id -> { port, id }
let nextId = 1;
let connections = 0;
let latest = null; // the last "progress", "ready" or "failed" message

function randomId() {
  if (self.crypto && typeof self.crypto.randomUUID === "function") return self.crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

function broadcast(message) {
  for (const port of ports) port.postMessage(message);
}

self.postMessage = (message) => {
  if (message && message.type === "result") {
    const asker = askedBy.get(message.id);
    if (!asker) return;
    askedBy.delete(message.id);
    asker.port.postMessage({ ...message, id: asker.id });
    return;
  }
  // What a page connecting later needs to know: how far loading got, or that it ended (a late
  // "progress" from work done after ready does not undo that).
  const settled = (sent) => Boolean(sent) && (sent.type === "ready" || sent.type === "failed");
  if (settled(message) || (message && message.type === "progress" && !settled(latest))) latest = message;
  broadcast(message);
};

// SharedWorkerGlobalScope has no onmessage handler of its own: make `self.onmessage = ...` register a
// "message" listener, so worker.mjs's handler gets the events dispatched below.
let messageHandler = null;
Object.defineProperty(self, "onmessage", {
  configurable: true,
  get: () => messageHandler,
  set: (listener) => {
    if (messageHandler) self.removeEventListener("message", messageHandler);
    messageHandler = typeof listener === "function" ? listener : null;
    if (messageHandler) self.addEventListener("message", messageHandler);
  },
});

// Requests that arrive while worker.mjs is still being fetched wait for it, in order.
const loaded = import("./worker.mjs");
loaded.catch((error) => {
  const text = String((error && error.message) || error);
  latest = { type: "crashed", message: text };
  broadcast(latest);
});

function forget(port) {
  ports.delete(port);
  for (const [id, asker] of askedBy) if (asker.port === port) askedBy.delete(id);
  // A page gave up on this worker (it stopped answering in time) and no page is left: end it now
  // instead of when the browser would.
  if (!ports.size) self.close();
}

self.onconnect = (event) => {
  const port = event.ports[0];
  ports.add(port);
  connections += 1;
  port.onmessage = (message) => {
    const data = message.data || {};
    if (data.type === "abandon") {
      port.close();
      forget(port);
      return;
    }
    loaded.then(() => {
      const id = nextId++;
      if (data.id !== undefined) askedBy.set(id, { port, id: data.id });
      self.dispatchEvent(new MessageEvent("message", { data: { ...data, id } }));
    }, () => {});
  };
  // Where the browser reports a page that went away, stop writing to it.
  port.addEventListener("close", () => ports.delete(port));
  port.postMessage({
    type: "hello", boot, connections, clients: ports.size, age: Math.round(performance.now() - started), latest,
  });
};
