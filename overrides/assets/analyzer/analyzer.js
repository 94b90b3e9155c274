// The analyzer page: tabs, saved input, resolver setting, the home page handoff, and the Bounce view.
// All analysis runs in the module worker (worker.mjs); the Headers, Domain and IP results are drawn by
// view-headers.js and view-domain.js.

import { el, humanize, renderChecks, renderError, renderScalar, siteLink, summaryBox, technicalDetails } from "./dom.js";
import { renderDomain, renderIp } from "./view-domain.js";
import { renderHeaders } from "./view-headers.js";

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

// ---------------------------------------------------------------- the Bounce tab

function renderEntryMatches(matches) {
  return el("ol", { class: "an-matches" }, matches.map((match, index) =>
    el("li", { class: `an-match${index === 0 ? " an-match--best" : ""}`, "data-entry-id": match.entry_id },
      el("a", { href: siteLink(match.entry_id), text: match.title }),
      index === 0 ? el("span", { class: "an-best", text: "best match" }) : null,
      match.decided_by && match.decided_by.length
        ? el("p", { class: "an-decided" }, "Matched on: ", match.decided_by.map((word, i) => [i ? ", " : "", el("mark", { text: word })]))
        : null)));
}

function codesOf(status) {
  return [status.reply_code, status.enhanced_status].filter(Boolean).join(" ");
}

// Shown when only a code-level (generic) entry matched: the number alone never names the cause.
function genericNotice(status) {
  const codes = codesOf(status || {}) || "This code";
  const notice = el("div", { class: "an-note an-note--warn an-generic", role: "note" },
    el("p", {}, el("strong", { text: "The number alone does not identify the cause. " }),
      `${codes} is used for several different problems. The entry below is the general one; the words the `
      + "server wrote after the code, and which provider wrote them, tell which cause applies. Paste the whole "
      + "bounce (not just the code) for a specific match."));
  // Hub pages list every cause that shares a code; link one only if this build has it.
  const slug = status && status.reply_code && status.enhanced_status ? `${status.reply_code}-${status.enhanced_status}`
    : status && status.enhanced_status ? status.enhanced_status : null;
  if (slug) {
    const href = new URL(`codes/${slug}/`, SITE_ROOT).href;
    fetch(href, { method: "HEAD" }).then((response) => {
      if (response.ok) notice.append(el("p", {}, el("a", { href, text: `All causes that share ${codes}` })));
    }).catch(() => {});
  }
  return notice;
}

function renderStatusFacts(status) {
  const rows = [
    ["Recipient", status.recipient], ["Reply code", status.reply_code], ["Enhanced status", status.enhanced_status],
    ["Remote server", status.remote_mta], ["Action", status.action], ["Last command", status.last_command],
  ].filter(([, value]) => value !== null && value !== undefined && value !== "");
  return [
    rows.length ? el("dl", { class: "an-facts" }, rows.map(([label, value]) => [el("dt", { text: label }), el("dd", {}, renderScalar(value))])) : null,
    status.diagnostic ? el("p", { class: "an-record" }, "Server's words: ", el("code", { text: status.diagnostic })) : null,
  ];
}

function renderBounce(result) {
  const recipients = Array.isArray(result.recipients) ? result.recipients : [];
  const single = recipients.length === 1;
  return el("div", { class: "an-view an-view--bounce" },
    result.explanation ? el("p", { class: "an-explanation an-lead", text: result.explanation }) : null,
    (result.problems || []).map(renderError),
    recipients.map((recipient, index) => el("section", { class: "an-block an-recipient", "data-block": "recipient" },
      single ? null : el("h3", { text: `Recipient ${index + 1}${recipient.status && recipient.status.recipient ? `: ${recipient.status.recipient}` : ""}` }),
      !single && recipient.explanation ? el("p", { class: "an-explanation", text: recipient.explanation }) : null,
      recipient.status ? renderStatusFacts(recipient.status) : null,
      recipient.specific === false && (recipient.matches || []).length ? genericNotice(recipient.status) : null,
      (recipient.matches || []).length
        ? [el("h4", { text: "Matching entries, best first" }), renderEntryMatches(recipient.matches)]
        : el("p", { class: "an-note", text: "No catalog entry matches this text. Search the site for the code, or paste more of the bounce." }))),
    Array.isArray(result.checks) ? renderChecks(result.checks) : null,
    technicalDetails(result));
}

// Any other shape (a future analysis): summary and checks first, the rest as JSON.
function renderGeneric(result) {
  return el("div", { class: "an-view" },
    result && result.summary ? summaryBox(result.summary) : null,
    result && Array.isArray(result.checks) ? renderChecks(result.checks) : null,
    technicalDetails(result));
}

const VIEWS = { headers: renderHeaders, domain: renderDomain, ip: renderIp, bounce: renderBounce };

function renderAnswer(container, kind, answer, elapsedMs) {
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
  try {
    container.append((VIEWS[kind] || renderGeneric)(data.result || {}));
  } catch (error) {
    // A view bug must not hide the answer: say so and fall back to the plain view.
    console.error("analyzer: view failed", error);
    container.append(renderError({ what: `This result could not be laid out (${error.message}).`, where: `${humanize(kind)} view`,
      fix: "The raw result is below under Technical details; please report the problem." }), renderGeneric(data.result || {}));
  }
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
      renderAnswer(container, kind, message.json, performance.now() - started);
      container.dataset.state = "done";
      container.removeAttribute("aria-busy");
      button.disabled = false;
    });
  }
}

// The home page's "Paste your bounce" box hands its text over in sessionStorage; a link may carry it in
// the URL fragment (#bounce=...). Neither reaches any server. Either way: fill the Bounce tab and run it.
const HANDOFF_KEY = `${STORE_PREFIX}handoff`;

function takeHandoff() {
  let text = null;
  const match = /^#bounce=(.*)$/s.exec(location.hash);
  if (match) {
    try {
      text = decodeURIComponent(match[1].replace(/\+/g, " "));
    } catch {
      text = null;
    }
    // Drop the text from the address bar so a reload or a shared link does not carry it further.
    history.replaceState(null, "", location.pathname + location.search);
  }
  try {
    const stored = sessionStorage.getItem(HANDOFF_KEY);
    sessionStorage.removeItem(HANDOFF_KEY);
    if (text === null) text = stored;
  } catch {
    // Storage disabled: only the fragment can carry the text.
  }
  if (!text || !text.trim()) return;
  document.getElementById("an-tab-bounce").click();
  const field = document.getElementById("an-bounce-text");
  field.value = text;
  field.dispatchEvent(new Event("input"));
  field.form.requestSubmit();
}

setUpTabs();
setUpSavedInput();
setUpResolver();
setUpForms();
takeHandoff();
