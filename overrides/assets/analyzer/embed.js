// The small check on an entry page ("Check your domain", "Check your sending IP", "Paste the bounce you
// got"): the same Python as the analyzer (python.js), started when the page is idle or the form is used,
// the relevant part of the result shown in place, and a link to the full analyzer. DNS goes to the
// resolver the reader chose in the analyzer (kept in this browser), else the site's first offered one:
// never to an address taken from the page's URL.

import { chip, el, renderError, safeLink, SITE_ROOT, usableResolverUrl } from "./dom.js";
import { bounceVerdict } from "./view-bounce.js";
import { ipVerdict } from "./view-domain.js";
import { pythonConnection, PythonStopped } from "./python.js";

const slot = document.querySelector(".se-embed[data-embed]");
const RESOLVER_KEY = "smtp-analyzer:resolver";
const HANDOFF_KEY = "smtp-analyzer:handoff";
const ANALYZER_URL = new URL("analyzer/", SITE_ROOT);

// Which parts of a domain audit matter on which kind of page.
const DOMAIN_PARTS = {
  authentication: ["SPF", "DKIM", "DMARC"],
  routing: ["MX", "SPF", "DMARC"],
  tls: ["MX", "MTA-STS", "TLS-RPT"],
};

function resolver() {
  try {
    const saved = JSON.parse(localStorage.getItem(RESOLVER_KEY) || "null");
    if (saved && typeof saved.url === "string" && usableResolverUrl(saved.url)) {
      return { url: saved.url, format: saved.format === "wire" ? "wire" : "json", saved: true };
    }
  } catch {
    // Storage off or unreadable: the site's default below.
  }
  const config = document.getElementById("se-embed-config");
  if (!config) return null;
  return { url: config.dataset.resolverUrl, format: config.dataset.resolverFormat === "wire" ? "wire" : "json", saved: false,
    name: config.dataset.resolverName };
}

function hostOf(url) {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

// ---------------------------------------------------------------- Python, through python.js

const python = pythonConnection();
let state = "idle";
const TIMEOUT_MS = 120_000;

function failure(error) {
  return { json: JSON.stringify({ ok: false, error }) };
}

function followPython(status) {
  if (status.state === "loading" && state !== "loading") setStatus("Loading the checker (about 6 MB the first time)…");
  if (status.state !== "loading" && state === "loading") setStatus("");
  state = status.state;
}

async function run(kind, request) {
  try {
    return await python.run(kind, request, { timeoutMs: TIMEOUT_MS });
  } catch (error) {
    if (error instanceof PythonStopped && error.reason === "timeout") {
      return failure({ what: `The check did not finish within ${TIMEOUT_MS / 1000} s.`, where: "This page",
        fix: "Try the full analyzer, where you can choose another DNS resolver." });
    }
    if (error instanceof PythonStopped && error.reason === "restarted") {
      return failure({ what: "The checker was restarted while this ran.", where: "This page", fix: "Run the check again." });
    }
    return failure({ what: `The checker did not start (${(error && error.detail) || error}).`, where: "This page",
      fix: "Use a current browser, or open the full analyzer." });
  }
}

// Where Python outlives this page (python.js), start it once the page is idle: the form then answers
// at once, and so does the analyzer or the next entry page. Where it would die with the page, or the
// reader asked to save data, it starts only when the form is used.
function startWhenIdle() {
  const saveData = Boolean(navigator.connection && navigator.connection.saveData);
  if (!python.outlivesPage || saveData) return;
  const start = () => python.start();
  if (typeof requestIdleCallback === "function") requestIdleCallback(start, { timeout: 3000 });
  else setTimeout(start, 1000);
}

// ---------------------------------------------------------------- the form

let statusLine = null;
let output = null;

function setStatus(text) {
  if (statusLine) statusLine.textContent = text;
}

function analyzerLink(params, text) {
  const url = new URL(ANALYZER_URL);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return el("a", { href: url.href, class: "se-embed__full", text });
}

function domainOf(value) {
  let text = String(value || "").trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    try {
      return new URL(text).hostname.replace(/\.$/, "");
    } catch {
      return text;
    }
  }
  const mail = /[^\s<>@"]+@([^\s<>@"]+)/.exec(text);
  if (mail) text = mail[1];
  return text.replace(/[>)\]]+$/, "").split(/[/?#]/)[0].replace(/\.$/, "");
}

function worstOf(checks) {
  return ["fail", "error", "warn", "info", "pass"].find((verdict) => checks.some((check) => check.verdict === verdict)) || "info";
}

function showDomain(result, domain) {
  const parts = DOMAIN_PARTS[slot.dataset.category] || DOMAIN_PARTS.authentication;
  const sections = (result.sections || []).filter((part) => parts.includes(part.name));
  return [
    result.input_error ? renderError(result.input_error) : null,
    el("ul", { class: "se-embed__parts" }, sections.map((part) => {
      const verdict = worstOf(part.checks || []);
      const first = (part.checks || []).find((check) => check.verdict === verdict);
      return el("li", { "data-section": part.name }, chip(verdict), " ", el("strong", { text: part.name }), ": ",
        first ? first.explanation : "");
    })),
    el("p", {}, analyzerLink({ domain }, `Full report for ${domain} in the analyzer`)),
  ];
}

function showIp(result, address) {
  const reverse = result.reverse || null;
  const names = reverse && reverse.names ? reverse.names : [];
  return [
    result.input_error ? renderError(result.input_error) : null,
    ipVerdict(Array.isArray(result.blocklists) ? result.blocklists : []),
    reverse ? el("p", {}, el("strong", { text: "Reverse DNS: " }),
      names.length ? `${names.join(", ")} ` : "no PTR record ",
      names.length ? ((reverse.confirmed_by || []).length ? chip("pass", "confirmed") : chip("warn", "does not match")) : chip("fail", "missing"))
      : null,
    el("p", {}, analyzerLink({ ip: address }, `Full report for ${address} in the analyzer`)),
  ];
}

function showBounce(result, text) {
  const recipients = Array.isArray(result.recipients) ? result.recipients : [];
  const open = el("a", { href: ANALYZER_URL.href, class: "se-embed__full", text: "See everything in the analyzer" });
  open.addEventListener("click", () => {
    // The text goes along in this tab's sessionStorage only, as from the home page's box.
    try {
      sessionStorage.setItem(HANDOFF_KEY, text);
    } catch {
      // Storage off: the analyzer opens empty.
    }
  });
  const here = recipients.find((recipient) => (recipient.matches || []).some((match) => match.entry_id === slot.dataset.entry));
  return [
    (result.problems || []).map(renderError),
    recipients.length ? bounceVerdict(recipients[0]) : el("p", { text: result.explanation || "No error code found in this text." }),
    here ? el("p", { class: "se-embed__here", text: "This page is one of the matching entries." }) : null,
    el("p", {}, open),
  ];
}

async function submit(form, kind) {
  const button = form.querySelector("button[type=submit]");
  if (button.disabled) return;
  const doh = resolver();
  let request;
  let subject;
  if (kind === "bounce") {
    subject = form.elements.text.value;
    request = { text: subject };
  } else if (kind === "domain") {
    subject = domainOf(form.elements.domain.value);
    form.elements.domain.value = subject;
    request = { domain: subject, selectors: [], doh };
  } else {
    subject = form.elements.address.value.trim();
    request = { address: subject, doh };
  }
  if (!subject.trim()) {
    output.replaceChildren(el("p", { class: "an-error", role: "alert", text: kind === "bounce" ? "Paste the bounce first." : "Type it first." }));
    return;
  }
  button.disabled = true;
  output.dataset.state = "busy";
  output.setAttribute("aria-busy", "true");
  output.replaceChildren(el("p", { class: "an-working" }, el("span", { class: "an-spinner", "aria-hidden": "true" }),
    state === "ready" ? "Checking…" : "Loading the checker, then checking…"));
  const message = await run(kind, request);
  let data;
  try {
    data = JSON.parse(message.json);
  } catch {
    data = { ok: false, error: { what: "The checker returned something unreadable.", where: "This page", fix: "Try the full analyzer." } };
  }
  const dns = message.dns || {};
  let body;
  if (!data.ok) {
    body = renderError(data.error);
  } else if (kind !== "bounce" && dns.asked > 0 && dns.answered === 0) {
    body = renderError({ what: `The DNS resolver ${hostOf(doh.url)} could not be reached${dns.error ? ` (${dns.error})` : ""}, so nothing was checked.`,
      where: "DNS resolver", fix: "Choose another resolver in the full analyzer (DNS resolver setting); this page then uses it too." });
  } else {
    const result = data.result || {};
    body = kind === "domain" ? showDomain(result, subject) : kind === "ip" ? showIp(result, subject) : showBounce(result, subject);
  }
  output.replaceChildren(el("div", { class: "se-embed__answer", "data-kind": kind }, body));
  output.dataset.state = "done";
  output.removeAttribute("aria-busy");
  button.disabled = false;
}

function field(kind) {
  if (kind === "domain") {
    return [el("label", { for: "se-embed-domain", text: "Domain, web address or email address" }),
      el("span", { class: "se-embed__row" },
        el("input", { id: "se-embed-domain", name: "domain", type: "text", inputmode: "url", autocomplete: "off", spellcheck: "false", placeholder: "example.com" }),
        el("button", { type: "submit", class: "md-button md-button--primary", text: "Check" }))];
  }
  if (kind === "ip") {
    return [el("label", { for: "se-embed-ip", text: "The IP address your mail server sends from" }),
      el("span", { class: "se-embed__row" },
        el("input", { id: "se-embed-ip", name: "address", type: "text", autocomplete: "off", spellcheck: "false", placeholder: "192.0.2.1" }),
        el("button", { type: "submit", class: "md-button md-button--primary", text: "Check" }))];
  }
  return [el("label", { for: "se-embed-bounce", text: "Paste the bounce you got" }),
    el("textarea", { id: "se-embed-bounce", name: "text", rows: "4", spellcheck: "false", placeholder: "550 5.7.1 …" }),
    el("button", { type: "submit", class: "md-button md-button--primary", text: "Explain" })];
}

function form(kind) {
  const node = el("form", { class: "se-embed__form", "data-kind": kind }, field(kind));
  node.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(node, kind);
  });
  // Start loading while the reader types, if not started already (startWhenIdle).
  node.addEventListener("focusin", () => python.start(), { once: true });
  return node;
}

function build() {
  const kind = slot.dataset.embed === "ip" ? "ip" : "domain";
  const doh = resolver();
  const css = el("link", { rel: "stylesheet", href: new URL("analyzer.css", import.meta.url).href });
  document.head.append(css);
  statusLine = el("span", { class: "se-embed__status", role: "status" });
  output = el("div", { class: "se-embed__result", "aria-live": "polite" });
  const resolverNote = doh
    ? el("p", { class: "an-hint" }, "Runs in your browser; only DNS names are sent, to ",
      el("strong", { text: doh.saved ? hostOf(doh.url) : doh.name || hostOf(doh.url) }),
      doh.saved ? " (your choice in the analyzer). " : ". ",
      safeLink("/analyzer/", "Change the resolver in the analyzer"), ".")
    : null;
  slot.replaceChildren(
    el("h2", { id: "se-embed-title", text: kind === "ip" ? "Check your sending IP" : "Check your domain" }),
    resolverNote,
    form(kind),
    el("details", { class: "se-embed__bounce" }, el("summary", { text: "Or paste the bounce you got" }), form("bounce")),
    statusLine,
    output);
  slot.setAttribute("role", "region");
  slot.setAttribute("aria-labelledby", "se-embed-title");
  slot.hidden = false;
}

if (slot) {
  build();
  python.subscribe(followPython);
  startWhenIdle();
}
