"""Read the analyzer's memory from outside the page, over the Chrome DevTools Protocol: the page's JS heap
and DOM, the module worker's JS heap, the Pyodide runtime inside that worker (WASM memory, Python's
objects, caches and module-level containers) and the RSS of Chromium's renderer processes.

Nothing is added to the page or the worker for this: the worker's handle on Python is found in the module
scope of its ``onmessage`` handler (as DevTools shows closures), and Python is then asked directly. Used by
``scripts/bench_memory.py`` and ``tests/browser/test_browser_memory.py``.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Runs inside the worker's Python: one JSON report, after a full collection (unless told not to) so only
# live objects count.
# "containers" are the sizes of module-level dicts, lists and sets and of every lru_cache: a cache or
# registry keyed by input shows up there as a number that climbs with each analysis.
PYTHON_PROBE = """
def probe(collect):
    import collections, functools, gc, json, sys
    if collect:
        gc.collect()
    objects = gc.get_objects()
    types = collections.Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in objects)
    containers = {}
    for obj in objects:
        if isinstance(obj, functools._lru_cache_wrapper):
            size = obj.cache_info().currsize
            if size:
                name = f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', '?')}()"
                containers[name] = containers.get(name, 0) + size
    for module_name, module in list(sys.modules.items()):
        for attr, value in list(getattr(module, "__dict__", {}).items()):
            if isinstance(value, (dict, list, set, collections.deque)) and not attr.startswith("__"):
                containers[f"{module_name}.{attr}"] = len(value)
    del objects
    wasm = malloc_used = None
    try:
        import pyodide_js
        runtime = pyodide_js._module
        wasm = runtime.HEAP8.length
        # dlmalloc's mallinfo(): its uordblks (the 8th field) is every byte malloc has handed out, the
        # C side of Python (strings, buffers, the interpreter) as well as its objects.
        info = runtime._malloc(64)
        runtime._mallinfo(info)
        malloc_used = runtime.HEAPU32[(info >> 2) + 7]
        runtime._free(info)
    except Exception:
        pass
    return json.dumps({
        "objects": sum(types.values()),
        "malloc_used": malloc_used,
        "wasm": wasm,
        "types": dict(types),
        "containers": containers,
    })
"""

# Called on a value from the worker's module scope (the promise result of its start-up, or the value
# itself): finds a Python proxy (a module or function), and through its builtins defines probe() in a
# fresh namespace, kept on the worker's global object for the later calls.
LOCATE_PYTHON = """function (code) {
  const isPython = (value) => value && (typeof value === "object" || typeof value === "function")
    && typeof value.destroy === "function" && typeof value.copy === "function";
  const candidates = isPython(this) ? [this] : Object.values(this).filter(isPython);
  for (const proxy of candidates) {
    let builtins;
    try {
      builtins = proxy.__builtins__ || (proxy.__globals__ && proxy.__globals__.get("__builtins__"));
    } catch {
      continue;
    }
    if (!builtins) continue;
    const pick = (name) => (typeof builtins.get === "function" ? builtins.get(name) : builtins[name]);
    const namespace = pick("dict")();
    pick("exec")(code, namespace);
    globalThis.__benchMemoryProbe = namespace.get("probe");
    return true;
  }
  return false;
}"""


# Heap-snapshot node types of values a script can keep (the rest is code, shapes and the engine's own).
JS_VALUE_TYPES = frozenset({
    "object", "array", "string", "concatenated string", "sliced string", "closure", "regexp", "number",
    "bigint",
})


@dataclass(frozen=True)
class Census:
    """JavaScript values in a heap: how many, and their own bytes (without an external string's text)."""

    count: int
    size: int


class ProbeError(RuntimeError):
    """The worker or its Python could not be reached (the worker is gone, or its layout changed)."""


@dataclass(frozen=True)
class Sample:
    """One reading, taken after a garbage collection in the page and in the worker (bytes unless named)."""

    analyses: int
    page_heap: int
    nodes: int
    listeners: int
    worker_heap: int
    worker_buffers: int
    wasm: int | None
    py_objects: int | None
    malloc_used: int | None
    renderer_rss: int
    renderers_total: int
    python: dict[str, Any]


def _descendants(root_pid: int) -> set[int]:
    """Every process below ``root_pid`` (Playwright's driver, then Chromium and its children)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {root_pid}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier and pid not in found}
        found |= frontier
    return found


def renderer_rss(root_pid: int | None = None) -> tuple[int, int]:
    """RSS in bytes of the largest Chromium renderer started by this process, and of all of them together.

    The largest one holds the page and its dedicated worker; the others are the browser's own UI
    (``--top-chrome-webui``) and a spare renderer kept ready for the next page.
    """
    sizes = []
    for pid in _descendants(root_pid or os.getpid()):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        if b"--type=renderer" not in cmdline:
            continue
        sizes += [int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmRSS:")]
    return max(sizes, default=0), sum(sizes)


class WorkerProbe:
    """A DevTools session to the page and, through it, to the worker that runs its Python.

    That is the page's dedicated module worker, or the shared worker the page connected to (where the
    browser keeps shared workers across page changes); ``worker_suffixes`` end their script addresses.
    """

    def __init__(
        self,
        context: Any,
        page: Any,
        worker_suffixes: tuple[str, ...] = ("/worker.mjs", "/shared-worker.mjs"),
    ) -> None:
        self.page = page
        self.worker_suffixes = worker_suffixes
        self.cdp = context.new_cdp_session(page)
        self.cdp.send("Performance.enable")
        self._targets: dict[str, dict[str, Any]] = {}
        self._replies: dict[int, dict[str, Any]] = {}
        self._next_id = 1
        self._located: str | None = None  # the worker session whose Python probe is installed
        self.cdp.on("Target.attachedToTarget", self._on_attached)
        self.cdp.on("Target.detachedFromTarget", lambda event: self._targets.pop(event["sessionId"], None))
        self.cdp.on("Target.receivedMessageFromTarget", self._on_message)
        self._chunks: list[str] | None = None  # the heap snapshot being received, in page_census()
        self.cdp.on("HeapProfiler.addHeapSnapshotChunk", self._on_chunk)
        # Not flattened: Playwright's CDPSession cannot address a child session, so the worker's
        # messages travel wrapped in Target.sendMessageToTarget / receivedMessageFromTarget.
        self.cdp.send(
            "Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": False, "flatten": False}
        )

    def _on_attached(self, event: dict[str, Any]) -> None:
        self._targets[event["sessionId"]] = event["targetInfo"]

    def _on_message(self, event: dict[str, Any]) -> None:
        message = json.loads(event["message"])
        if "id" in message:
            self._replies[message["id"]] = message
        elif message.get("method") == "HeapProfiler.addHeapSnapshotChunk":
            self._on_chunk(message["params"])

    def _on_chunk(self, event: dict[str, Any]) -> None:
        if self._chunks is not None:
            self._chunks.append(event["chunk"])

    def _ours(self, info: dict[str, Any]) -> bool:
        return info.get("url", "").split("?")[0].endswith(self.worker_suffixes)

    def _worker_session(self) -> str:
        """The session of the newest worker that runs Python: the page's own, or a shared one it uses."""
        deadline = time.monotonic() + 10
        while True:
            sessions = [sid for sid, info in self._targets.items() if self._ours(info)]
            if sessions:
                return sessions[-1]
            # A shared worker is no child of the page, so it is not attached with the page's workers.
            shared = [info for info in self.cdp.send("Target.getTargets")["targetInfos"]
                      if info.get("type") == "shared_worker" and self._ours(info)]
            if shared:
                target = {"targetId": shared[-1]["targetId"], "flatten": False}
                attached = self.cdp.send("Target.attachToTarget", target)
                self._targets[attached["sessionId"]] = shared[-1]
                return attached["sessionId"]
            if time.monotonic() > deadline:
                names = " or ".join(self.worker_suffixes)
                raise ProbeError(f"no worker ending in {names} is running for the page")
            self.page.wait_for_timeout(50)

    def _send(self, session: str, method: str, params: dict | None = None, timeout: float = 60) -> Any:
        message_id = self._next_id
        self._next_id += 1
        message = json.dumps({"id": message_id, "method": method, "params": params or {}})
        self.cdp.send("Target.sendMessageToTarget", {"sessionId": session, "message": message})
        deadline = time.monotonic() + timeout
        while message_id not in self._replies:
            if time.monotonic() > deadline or session not in self._targets:
                raise ProbeError(f"{method}: no answer from the worker")
            self.page.wait_for_timeout(5)  # lets Playwright deliver the session's events
        reply = self._replies.pop(message_id)
        if "error" in reply:
            raise ProbeError(f"{method}: {reply['error']}")
        return reply["result"]

    def _properties(self, session: str, object_id: str) -> tuple[list[dict], list[dict]]:
        found = self._send(session, "Runtime.getProperties", {"objectId": object_id, "ownProperties": True})
        return found.get("result", []), found.get("internalProperties", [])

    def _locate_python(self, session: str) -> None:
        """Find a Python proxy in the module scope of the worker's onmessage handler; install the probe."""
        handler = self._send(session, "Runtime.evaluate", {"expression": "self.onmessage"})["result"]
        if "objectId" not in handler:
            raise ProbeError("the worker has no onmessage handler")
        _, internal = self._properties(session, handler["objectId"])
        scopes = next((p["value"]["objectId"] for p in internal if p["name"] == "[[Scopes]]"), None)
        if scopes is None:
            raise ProbeError("DevTools shows no scopes for the worker's onmessage handler")
        candidates: list[str] = []
        scope_list, _ = self._properties(session, scopes)
        for scope in scope_list:
            scope_value = scope.get("value", {})
            if scope_value.get("description") == "Global" or "objectId" not in scope_value:
                continue
            variables, _ = self._properties(session, scope["value"]["objectId"])
            for variable in variables:
                value = variable.get("value", {})
                if "objectId" not in value:
                    continue
                if value.get("subtype") == "promise":
                    _, promise = self._properties(session, value["objectId"])
                    result = next((p["value"] for p in promise if p["name"] == "[[PromiseResult]]"), {})
                    if "objectId" in result:
                        candidates.append(result["objectId"])
                else:
                    candidates.append(value["objectId"])
        for object_id in candidates:
            found = self._send(session, "Runtime.callFunctionOn", {
                "functionDeclaration": LOCATE_PYTHON, "objectId": object_id,
                "arguments": [{"value": PYTHON_PROBE}], "returnByValue": True,
            })
            if found.get("result", {}).get("value") is True:
                self._located = session
                return
        raise ProbeError("no Python object found in the worker's module scope")

    def python(self, *, collect: bool = True) -> dict[str, Any]:
        """Python's objects, malloc's bytes in use, WASM memory and container sizes in the worker."""
        session = self._worker_session()
        if self._located != session:
            self._locate_python(session)
        call = f"__benchMemoryProbe({'true' if collect else 'false'})"
        answer = self._send(session, "Runtime.evaluate", {"expression": call, "returnByValue": True})
        if "exceptionDetails" in answer:
            raise ProbeError(f"the Python probe failed: {answer['exceptionDetails'].get('text')}")
        return json.loads(answer["result"]["value"])

    def worker_heap(self, *, collect: bool = True) -> dict[str, int]:
        """The worker's V8 heap (after a collection): usedSize, totalSize, backingStorageSize (buffers)."""
        session = self._worker_session()
        if collect:
            self._send(session, "HeapProfiler.collectGarbage")
        return self._send(session, "Runtime.getHeapUsage")

    def page_metrics(self, *, collect: bool = True) -> dict[str, float]:
        """The page's JSHeapUsedSize, Nodes, JSEventListeners, ... (after a collection)."""
        if collect:
            self.cdp.send("HeapProfiler.collectGarbage")
        metrics = self.cdp.send("Performance.getMetrics")["metrics"]
        return {metric["name"]: metric["value"] for metric in metrics}

    def page_census(self) -> Census:
        """The page's own JavaScript values after a collection."""
        return self._census(lambda method, params=None: self.cdp.send(method, params or {}))

    def worker_census(self) -> Census:
        """The JavaScript values of the worker that runs Python, after a collection."""
        session = self._worker_session()
        return self._census(lambda method, params=None: self._send(session, method, params))

    def _census(self, send: Any) -> Census:
        """Count and bytes of JavaScript values after a collection, from a V8 heap snapshot.

        Only what scripts can hold (objects, strings, arrays, closures, ...): compiled code and Blink's
        own objects are left out, since they grow by themselves until they plateau (code is optimised,
        the performance timeline fills its buffers of event, paint and layout-shift entries).
        """
        self._chunks = []
        try:
            send("HeapProfiler.enable")
            send("HeapProfiler.collectGarbage")
            send("HeapProfiler.takeHeapSnapshot", {"reportProgress": False})
            send("HeapProfiler.disable")
            snapshot = json.loads("".join(self._chunks))
        finally:
            self._chunks = None
        meta = snapshot["snapshot"]["meta"]
        width = len(meta["node_fields"])
        type_at, size_at = meta["node_fields"].index("type"), meta["node_fields"].index("self_size")
        type_names = meta["node_types"][0]
        nodes = snapshot["nodes"]
        count = size = 0
        for start in range(0, len(nodes), width):
            if type_names[nodes[start + type_at]] in JS_VALUE_TYPES:
                count += 1
                size += nodes[start + size_at]
        return Census(count=count, size=size)

    def sample(self, analyses: int, *, collect: bool = True) -> Sample:
        """Every reading at once; ``collect=False`` reads memory as it is, without forcing any collection."""
        rss, rss_total = renderer_rss()  # first: the other readings allocate in the renderer
        page = self.page_metrics(collect=collect)
        heap = self.worker_heap(collect=collect)
        python = self.python(collect=collect)
        return Sample(
            analyses=analyses,
            page_heap=int(page.get("JSHeapUsedSize", 0)),
            nodes=int(page.get("Nodes", 0)),
            listeners=int(page.get("JSEventListeners", 0)),
            worker_heap=int(heap.get("usedSize", 0)),
            worker_buffers=int(heap.get("backingStorageSize", 0)),
            wasm=python.get("wasm"),
            py_objects=python.get("objects"),
            malloc_used=python.get("malloc_used"),
            renderer_rss=rss,
            renderers_total=rss_total,
            python=python,
        )
