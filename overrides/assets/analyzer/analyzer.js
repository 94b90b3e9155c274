// The analyzer page: tabs, saved input, resolver setting, and rendering of the worker's JSON results.
// All analysis runs in the module worker (worker.mjs); this file only talks to it and draws results.

const SITE_ROOT = new URL("../../", import.meta.url);
const STORE_PREFIX = "smtp-analyzer:";
const root = document.getElementById("analyzer");

// ---------------------------------------------------------------- worker plumbing

const worker = new Worker(new URL("./worker.mjs", import.meta.url), { type: "module" });
const pending = new Map();
let nextId = 1;
// Phases in the order they happen, with the words shown to the reader.
const phaseLabels = {
  runtimeFetch: "download",
  pythonInit: "Python start-up",
  runtime: "runtime",
  catalog: "error catalog",
  wheels: "checker packages",
  import: "import",
  warmup: "warm-up",
  ready: "total",
};

function showTimings(timings) {
  const parts = Object.keys(phaseLabels)
    .filter((phase) => typeof timings[phase] === "number" && !(phase === "runtime" && "runtimeFetch" in timings))
    .map((phase) => `${phaseLabels[phase]} ${(timings[phase] / 1000).toFixed(2)} s`);
  document.getElementById("an-timings").textContent = parts.length ? `(${parts.join(" · ")})` : "";
}

worker.onmessage = (event) => {
  const message = event.data || {};
  const status = document.getElementById("an-status");
  if (message.type === "progress") {
    if (message.ms === null) {
      document.getElementById("an-status-text").textContent = `Loading the analyzer: ${phaseLabels[message.phase] || message.phase}…`;
    }
  } else if (message.type === "ready") {
    status.dataset.state = "ready";
    document.getElementById("an-status-text").textContent = "Analyzer ready.";
    showTimings(message.timings || {});
    window.analyzerTimings = message.timings; // read by the benchmark and the browser tests
  } else if (message.type === "failed") {
    status.dataset.state = "failed";
    document.getElementById("an-status-text").textContent = "";
    status.append(renderError(message.error));
    showTimings(message.timings || {});
  } else if (message.type === "result" && pending.has(message.id)) {
    pending.get(message.id)(message);
    pending.delete(message.id);
  }
};

function failureJson(what, where, fix) {
  return JSON.stringify({ ok: false, error: { what, where, fix } });
}

worker.onerror = (event) => {
  const status = document.getElementById("an-status");
  status.dataset.state = "failed";
  const error = {
    what: `The analyzer's worker stopped (${event.message || "module web workers may be unsupported"}).`,
    where: "Loading the analyzer",
    fix: "Use a current browser (module web workers are needed) and reload the page.",
  };
  status.append(renderError(error));
  // Nothing will answer the requests in flight any more: end them instead of spinning forever.
  for (const [id, resolve] of pending) resolve({ id, json: failureJson(error.what, error.where, error.fix) });
  pending.clear();
};

// Generous: a domain audit can wait out several DNS timeouts, but a page must never spin forever.
const ANALYSIS_TIMEOUT_MS = 120_000;

function runInWorker(kind, request) {
  const id = nextId++;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      resolve({ id, json: failureJson(`The analysis did not finish within ${ANALYSIS_TIMEOUT_MS / 1000} s.`,
        kind, "Check the DNS resolver setting (a blocked or slow resolver stalls every lookup), then try again.") });
    }, ANALYSIS_TIMEOUT_MS);
    pending.set(id, (message) => {
      clearTimeout(timer);
      resolve(message);
    });
    worker.postMessage({ id, type: "analyze", kind, request });
  });
}

// ---------------------------------------------------------------- small DOM helpers

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const ACRONYMS = new Set(["ip", "dkim", "spf", "dmarc", "arc", "mx", "tls", "ptr", "dns", "bimi", "mta", "id", "psl"]);

function humanize(key) {
  const words = String(key).replace(/_/g, " ").trim().split(" ")
    .map((word) => (ACRONYMS.has(word.toLowerCase()) ? word.toUpperCase() : word)).join(" ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function siteLink(target) {
  // Catalog entry ids become /errors/<id>/; paths and absolute URLs are kept (relative to the site root).
  if (/^https?:\/\//.test(target)) return target;
  if (target.startsWith("/")) return new URL(target.slice(1), SITE_ROOT).href;
  return new URL(`errors/${target}/`, SITE_ROOT).href;
}

// ---------------------------------------------------------------- rendering results

const VERDICT_WORDS = { pass: "Pass", fail: "Fail", warn: "Warning", info: "Info", error: "Could not check" };

function isCheck(value) {
  return value && typeof value === "object" && "verdict" in value && "explanation" in value && "reason" in value;
}

function isEntryMatch(value) {
  return value && typeof value === "object" && "entry_id" in value && "title" in value;
}

function isScalar(value) {
  return value === null || ["string", "number", "boolean"].includes(typeof value);
}

function verdictBadge(verdict) {
  return el("span", { class: `an-verdict an-verdict--${verdict}`, text: VERDICT_WORDS[verdict] || verdict });
}

function renderScalar(value) {
  if (value === null || value === "") return el("span", { class: "an-muted", text: "—" });
  if (typeof value === "boolean") return el("span", { text: value ? "yes" : "no" });
  return el("span", { class: typeof value === "string" && value.length > 60 ? "an-mono" : null, text: String(value) });
}

function renderEvidence(evidence) {
  const entries = Object.entries(evidence || {});
  if (!entries.length) return null;
  return el("details", { class: "an-evidence" },
    el("summary", { text: "Evidence" }),
    el("dl", {}, entries.map(([key, value]) => [el("dt", { text: humanize(key) }), el("dd", {}, renderValue(value, 3))])));
}

function renderCheck(check) {
  return el("li", { class: `an-check an-check--${check.verdict}` },
    el("div", { class: "an-check__head" }, verdictBadge(check.verdict), el("strong", { text: humanize(check.name) }),
      el("code", { class: "an-reason", text: check.reason })),
    el("p", { class: "an-explanation", text: check.explanation }),
    check.link ? el("p", {}, el("a", { href: siteLink(check.link), text: "Read more about this" })) : null,
    renderEvidence(check.evidence));
}

function renderEntryMatches(matches) {
  return el("ol", { class: "an-matches" }, matches.map((match, index) =>
    el("li", { class: `an-match${index === 0 ? " an-match--best" : ""}`, "data-entry-id": match.entry_id },
      el("a", { href: siteLink(match.entry_id), text: match.title }),
      index === 0 ? el("span", { class: "an-best", text: "best match" }) : null,
      match.decided_by && match.decided_by.length
        ? el("p", { class: "an-decided" }, "Matched on: ", match.decided_by.map((word, i) => [i ? ", " : "", el("mark", { text: word })]))
        : null)));
}

function renderTable(rows) {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  return el("div", { class: "an-table-wrap" }, el("table", { class: "an-table" },
    el("thead", {}, el("tr", {}, columns.map((column) => el("th", { scope: "col", text: humanize(column) })))),
    el("tbody", {}, rows.map((row) => el("tr", {}, columns.map((column) => {
      const value = row[column];
      if (column === "verdict" && typeof value === "string") return el("td", {}, verdictBadge(value));
      return el("td", {}, isScalar(value) ? renderScalar(value) : renderValue(value, 3));
    }))))));
}

function isInputError(value) {
  return value && typeof value === "object" && "what" in value && "where" in value && "fix" in value;
}

function isSummary(value) {
  return value && typeof value === "object" && "verdict" in value && "headline" in value;
}

function isEmpty(value) {
  return value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)
    || (typeof value === "object" && !Array.isArray(value) && !Object.keys(value).length);
}

function renderSummary(summary) {
  return el("div", { class: `an-summary an-summary--${summary.verdict}`, role: "group", "aria-label": "Summary" },
    el("p", { class: "an-summary__head" }, verdictBadge(summary.verdict), el("strong", { text: summary.headline })),
    summary.explanation ? el("p", { text: summary.explanation }) : null);
}

function isSection(value) {
  return value && typeof value === "object" && typeof value.name === "string" && Array.isArray(value.checks)
    && !("verdict" in value);
}

function isSpfNode(value) {
  return value && typeof value === "object" && "lookups_here" in value && Array.isArray(value.children);
}

function recordText(detail) {
  if (!detail || typeof detail !== "object") return null;
  if (typeof detail.record === "string") return detail.record;
  if (detail.record && typeof detail.record.raw === "string") return detail.record.raw;
  return null;
}

// A domain-audit section: its checks, the record itself, the SPF include tree, raw detail collapsed.
function renderSection(section) {
  const detail = section.detail && typeof section.detail === "object" ? section.detail : null;
  const record = recordText(detail);
  const facts = detail ? Object.entries(detail).filter(([key, value]) => /lookups$/.test(key) && typeof value === "number") : [];
  return el("section", { class: "an-audit-section", "data-section": section.name },
    el("h3", { text: section.name }),
    record ? el("p", { class: "an-record" }, "Record: ", el("code", { text: record })) : null,
    facts.length ? el("dl", { class: "an-facts" }, facts.map(([key, value]) => [el("dt", { text: humanize(key) }), el("dd", { text: String(value) })])) : null,
    el("ul", { class: "an-checks" }, section.checks.map(renderCheck)),
    detail && isSpfNode(detail.tree) ? el("div", { class: "an-spf" }, el("h4", { text: "SPF include tree (DNS lookups)" }), renderSpfTree([detail.tree])) : null,
    detail ? el("details", { class: "an-details" }, el("summary", { text: "Technical details" }), renderValue(detail, 3)) : null);
}

// Worst verdict first: one line per section so the reader sees at a glance what needs work.
const VERDICT_ORDER = ["fail", "error", "warn", "info", "pass"];

function worstVerdict(checks) {
  return VERDICT_ORDER.find((verdict) => checks.some((check) => check.verdict === verdict)) || "info";
}

function renderOverview(sections) {
  return el("table", { class: "an-overview" },
    el("caption", { text: "Overview" }),
    el("tbody", {}, sections.map((section) => {
      const verdict = worstVerdict(section.checks);
      const first = section.checks.find((check) => check.verdict === verdict);
      return el("tr", {}, el("th", { scope: "row", text: section.name }), el("td", {}, verdictBadge(verdict)),
        el("td", { text: first ? first.explanation : "" }));
    })));
}

function isHop(value) {
  return value && typeof value === "object" && "delay_seconds" in value && "by" in value;
}

function formatDelay(seconds) {
  if (typeof seconds !== "number") return "—";
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

// Received hops in the order the message travelled (oldest first), with the delay at each step.
function renderHops(hops) {
  const ordered = [...hops].sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
  const slowest = Math.max(...ordered.map((hop) => (typeof hop.delay_seconds === "number" ? hop.delay_seconds : 0)));
  return el("div", { class: "an-table-wrap" }, el("table", { class: "an-table an-hops" },
    el("caption", { text: "Received headers, in the order the message travelled" }),
    el("thead", {}, el("tr", {}, ["#", "From", "By", "Protocol", "Time", "Delay"].map((label) => el("th", { scope: "col", text: label })))),
    el("tbody", {}, ordered.map((hop, index) => el("tr", {},
      el("td", { text: String(index + 1) }),
      el("td", {}, [hop.from_name || hop.from_helo || "—", hop.from_ip ? ` [${hop.from_ip}]` : ""].join("")),
      el("td", { text: hop.by || "—" }),
      el("td", { text: [hop.protocol, hop.tls ? "TLS" : null, hop.tls_version].filter(Boolean).join(" · ") || "—" }),
      el("td", { text: hop.timestamp ? hop.timestamp.replace("T", " ") : "—" }),
      el("td", { class: hop.delay_seconds && hop.delay_seconds === slowest && slowest >= 60 ? "an-slow" : null },
        formatDelay(hop.delay_seconds), hop.clock_skew ? " (clock skew)" : ""))))));
}

function renderSpfTree(nodes) {
  return el("ul", { class: "an-spf-tree" }, nodes.map((node) => el("li", {},
    el("strong", { text: node.domain }),
    node.via && node.via !== "root" ? el("span", { class: "an-muted", text: ` via ${node.via}` }) : null,
    el("span", { class: "an-lookups", text: ` · ${node.lookups_here} lookup${node.lookups_here === 1 ? "" : "s"} here, ${node.lookups_cumulative} counting includes` }),
    node.void_here ? el("span", { class: "an-lookups", text: ` · ${node.void_here} void` }) : null,
    node.record ? el("div", {}, el("code", { text: node.record })) : null,
    (node.errors || []).map((error) => el("div", { class: "an-spf-error", text: typeof error === "string" ? error : error.what || JSON.stringify(error) })),
    node.children.length ? renderSpfTree(node.children) : null)));
}

function renderValue(value, depth = 1) {
  if (isScalar(value)) return renderScalar(value);
  if (Array.isArray(value)) {
    if (!value.length) return el("span", { class: "an-muted", text: "none" });
    if (value.every(isHop)) return renderHops(value);
    if (value.every(isSection)) return el("div", { class: "an-audit" }, renderOverview(value), value.map(renderSection));
    if (value.every(isCheck)) return el("ul", { class: "an-checks" }, value.map(renderCheck));
    if (value.every(isEntryMatch)) return renderEntryMatches(value);
    if (value.every(isInputError)) return el("div", {}, value.map(renderError));
    if (value.every(isScalar)) return el("span", { class: "an-list", text: value.map(String).join(", ") });
    if (value.every((item) => item && typeof item === "object" && !Array.isArray(item) && Object.values(item).every(isScalar))) {
      return renderTable(value);
    }
    return el("ol", { class: "an-items" }, value.map((item) => el("li", {}, renderValue(item, depth + 1))));
  }
  if (isCheck(value)) return el("ul", { class: "an-checks" }, renderCheck(value));
  if (isSummary(value)) return renderSummary(value);
  if (isInputError(value)) return renderError(value);
  return renderObject(value, depth);
}

// What a reader needs first; at the top level of a result that has a summary or checks, every other
// field (raw parser output) goes under a collapsed "Technical details".
const FIRST_KEYS = ["summary", "headline", "verdict", "explanation", "problems", "input_error", "recipients", "matches",
  "checks", "alignment", "hops"];

function renderObject(object, depth) {
  const keys = Object.keys(object).filter((key) => !isEmpty(object[key])).sort((a, b) => rank(a) - rank(b));
  const curated = depth === 1 && ("summary" in object || "checks" in object || "recipients" in object);
  let shown = curated ? keys.filter((key) => FIRST_KEYS.includes(key) || isScalar(object[key])) : keys;
  // One recipient: its own explanation says the same as the overall one, so show it once.
  const recipients = Array.isArray(object.recipients) ? object.recipients : [];
  if (recipients.length === 1 && recipients[0] && recipients[0].explanation === object.explanation) {
    shown = shown.filter((key) => key !== "explanation");
  }
  const hidden = keys.filter((key) => !shown.includes(key));
  const block = el("div", { class: `an-object an-depth-${Math.min(depth, 4)}` });
  const scalars = shown.filter((key) => isScalar(object[key]) && !["explanation", "headline"].includes(key));
  for (const key of shown.filter((k) => ["headline", "explanation"].includes(k) && isScalar(object[k]))) {
    block.append(el("p", { class: key === "headline" ? "an-headline" : "an-explanation", text: object[key] }));
  }
  if (scalars.length) {
    block.append(el("dl", { class: "an-facts" }, scalars.map((key) => [
      el("dt", { text: humanize(key) }),
      el("dd", {}, key === "verdict" && typeof object[key] === "string" ? verdictBadge(object[key]) : renderScalar(object[key])),
    ])));
  }
  for (const key of shown.filter((k) => !isScalar(object[k]))) {
    const content = renderValue(object[key], depth + 1);
    if (key === "summary" || key === "problems" || key === "input_error") {
      block.append(content);
      continue;
    }
    const heading = el(depth <= 1 ? "h3" : "h4", { text: humanize(key) });
    block.append(el("section", { class: "an-section", "data-key": key }, heading, content));
  }
  if (hidden.length) {
    block.append(el("details", { class: "an-details" }, el("summary", { text: "Technical details" }),
      hidden.map((key) => el("section", { class: "an-section", "data-key": key },
        el("h4", { text: humanize(key) }), renderValue(object[key], depth + 1)))));
  }
  return block;
}

function rank(key) {
  const index = FIRST_KEYS.indexOf(key);
  return index === -1 ? FIRST_KEYS.length : index;
}

function renderError(error) {
  const info = error || {};
  return el("div", { class: "an-error", role: "alert" },
    el("p", {}, el("strong", { text: "Problem: " }), info.what || "Something went wrong."),
    info.where ? el("p", {}, el("strong", { text: "Where: " }), info.where) : null,
    info.fix ? el("p", {}, el("strong", { text: "How to fix: " }), info.fix) : null);
}

function renderAnswer(container, answer, elapsedMs) {
  container.replaceChildren();
  let data;
  try {
    data = JSON.parse(answer);
  } catch {
    data = { ok: false, error: { what: "The analyzer returned something unreadable.", where: "Analyzer", fix: "Reload the page." } };
  }
  if (!data.ok) {
    container.append(renderError(data.error));
    return;
  }
  container.append(renderValue(data.result, 1));
  container.append(el("p", { class: "an-muted an-elapsed", text: `Analysed in ${(elapsedMs / 1000).toFixed(2)} s.` }));
}

// ---------------------------------------------------------------- resolver setting

function resolverSetting() {
  const params = new URLSearchParams(location.search);
  if (params.get("doh")) return { url: params.get("doh"), format: params.get("dohformat") === "wire" ? "wire" : "json" };
  const choice = document.getElementById("an-resolver");
  const option = choice.selectedOptions[0];
  if (choice.value === "custom") {
    return { url: document.getElementById("an-custom-url").value.trim(), format: document.getElementById("an-custom-format").value };
  }
  return { url: option.dataset.url, format: option.dataset.format };
}

function setUpResolver() {
  const choice = document.getElementById("an-resolver");
  const custom = document.getElementById("an-custom");
  const label = document.getElementById("an-resolver-name");
  const params = new URLSearchParams(location.search);
  const saved = JSON.parse(localStorage.getItem(`${STORE_PREFIX}resolver`) || "null");
  if (params.get("doh")) {
    choice.value = "custom";
    document.getElementById("an-custom-url").value = params.get("doh");
    document.getElementById("an-custom-format").value = params.get("dohformat") === "wire" ? "wire" : "json";
  } else if (saved) {
    choice.value = saved.choice;
    document.getElementById("an-custom-url").value = saved.url || "";
    document.getElementById("an-custom-format").value = saved.format || "json";
  }
  const update = () => {
    custom.hidden = choice.value !== "custom";
    label.textContent = choice.value === "custom" ? resolverSetting().url || "custom (no URL yet)" : choice.selectedOptions[0].textContent;
    if (!params.get("doh")) {
      localStorage.setItem(`${STORE_PREFIX}resolver`, JSON.stringify({ choice: choice.value, ...resolverSetting() }));
    }
  };
  for (const id of ["an-resolver", "an-custom-url", "an-custom-format"]) document.getElementById(id).addEventListener("change", update);
  update();
}

// ---------------------------------------------------------------- tabs, saved input, forms

function setUpTabs() {
  const tabs = [...root.querySelectorAll('[role="tab"]')];
  const select = (tab, focus) => {
    for (const other of tabs) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      other.tabIndex = selected ? 0 : -1;
      document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
    }
    if (focus) tab.focus();
    localStorage.setItem(`${STORE_PREFIX}tab`, tab.id);
  };
  tabs.forEach((tab, index) => {
    tab.addEventListener("click", () => select(tab, false));
    tab.addEventListener("keydown", (event) => {
      const moves = { ArrowRight: 1, ArrowLeft: -1, Home: -index, End: tabs.length - 1 - index };
      if (!(event.key in moves)) return;
      event.preventDefault();
      select(tabs[(index + moves[event.key] + tabs.length) % tabs.length], true);
    });
  });
  const wanted = new URLSearchParams(location.search).get("tab");
  const initial = document.getElementById(wanted ? `an-tab-${wanted}` : localStorage.getItem(`${STORE_PREFIX}tab`) || "");
  if (initial && tabs.includes(initial)) select(initial, false);
}

function setUpSavedInput() {
  for (const field of root.querySelectorAll("[data-store]")) {
    const key = STORE_PREFIX + field.dataset.store;
    const saved = localStorage.getItem(key);
    if (saved !== null && !field.value) field.value = saved;
    field.addEventListener("input", () => {
      try {
        localStorage.setItem(key, field.value);
      } catch {
        // Storage full or disabled (private mode): the analysis still works, only the reload memory is lost.
      }
    });
  }
}

function requestFor(kind, form) {
  const doh = resolverSetting();
  if (kind === "bounce") return { text: form.elements.text.value };
  if (kind === "headers") return { text: form.elements.text.value, doh };
  if (kind === "domain") {
    return { domain: form.elements.domain.value, selectors: form.elements.selectors.value.split(/[\s,]+/).filter(Boolean), doh };
  }
  return { address: form.elements.address.value, doh };
}

function setUpForms() {
  for (const form of root.querySelectorAll("form[data-kind]")) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const kind = form.dataset.kind;
      const container = document.getElementById(`an-result-${kind}`);
      const button = form.querySelector('button[type="submit"]');
      const request = requestFor(kind, form);
      button.disabled = true;
      delete container.dataset.state;
      container.setAttribute("aria-busy", "true");
      container.replaceChildren(el("p", { class: "an-working" }, el("span", { class: "an-spinner", "aria-hidden": "true" }),
        document.getElementById("an-status").dataset.state === "ready" ? "Analysing…" : "Waiting for the analyzer to finish loading…"));
      const started = performance.now();
      const message = await runInWorker(kind, request);
      renderAnswer(container, message.json, performance.now() - started);
      container.dataset.state = "done";
      container.removeAttribute("aria-busy");
      button.disabled = false;
    });
  }
}

setUpTabs();
setUpSavedInput();
setUpResolver();
setUpForms();
