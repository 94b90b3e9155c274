// The analyzer page: tabs, input kept for the tab's session, the resolver setting (and resolvers a link
// proposes), the home page handoff, shareable ?domain= / ?ip= links, and the Bounce view. All analysis
// runs in the module worker (worker.mjs, reached through python.js); the Headers, Domain and IP results
// are drawn by view-headers.js and view-domain.js, and the result frame (heading, copy, download) by
// result.js.

import {
  el, humanize, renderChecks, renderError, renderScalar, safeLink, summaryBox, technicalDetails, usableResolverUrl,
} from "./dom.js";
import { domainFrom, suggestTab } from "./input.js";
import { markResolverDown, resultFrame } from "./result.js";
import { renderDomain, renderIp } from "./view-domain.js";
import { bounceVerdict, explanationAfterVerdict, recipientWords } from "./view-bounce.js";
import { renderHeaders } from "./view-headers.js";
import { renderDmarcNextStep, renderSenderRules, renderSpfReduction } from "./view-plans.js";
import { pythonConnection, PythonStopped } from "./python.js";

const SITE_ROOT = new URL("../../", import.meta.url);
const STORE_PREFIX = "smtp-analyzer:";
const root = document.getElementById("analyzer");

// ---------------------------------------------------------------- worker plumbing

// Python runs in a worker that python.js owns: shared with the site's other pages where the browser
// lets it outlive this one, so a reader coming from an entry page usually finds it ready.
const python = pythonConnection();

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

function showTimings(timings, reused) {
  const parts = Object.keys(phaseLabels)
    .filter((phase) => typeof timings[phase] === "number" && !(phase === "runtime" && "runtimeFetch" in timings))
    .map((phase) => `${phaseLabels[phase]} ${(timings[phase] / 1000).toFixed(2)} s`);
  const text = parts.length ? `(${reused ? "already running; it started in: " : ""}${parts.join(" · ")})` : "";
  document.getElementById("an-timings").textContent = text;
}

let shownState = null;

function showPythonStatus(status) {
  const element = document.getElementById("an-status");
  const text = document.getElementById("an-status-text");
  if (status.state === "loading") {
    if (shownState === "ready" || shownState === "failed") {
      // A restart after a runaway analysis: back to loading, the old failure notice gone. (On the first
      // load the state stays unset until ready or failed: tests and the benchmark wait for that.)
      element.dataset.state = "loading";
      for (const notice of element.querySelectorAll(".an-error")) notice.remove();
    }
    if (status.phase) text.textContent = `Loading the analyzer: ${phaseLabels[status.phase] || status.phase}…`;
  } else if (status.state === "ready" && shownState !== "ready") {
    element.dataset.state = "ready";
    text.textContent = "Analyzer ready.";
    showTimings(status.timings || {}, status.reused);
    // Read by the benchmark and the browser tests.
    window.analyzerTimings = { ...status.timings, reused: status.reused, worker: status.worker };
  } else if (status.state === "failed" && shownState !== "failed") {
    element.dataset.state = "failed";
    text.textContent = "";
    element.append(renderError(status.crash ? {
      what: `The analyzer's worker stopped (${status.crash}).`,
      where: "Loading the analyzer",
      fix: "Use a current browser (module web workers are needed) and reload the page.",
    } : status.error));
    showTimings(status.timings || {}, false);
  }
  shownState = status.state;
}

function failureJson(what, where, fix) {
  return JSON.stringify({ ok: false, error: { what, where, fix } });
}

// Generous: a domain audit can wait out several DNS timeouts, but a page must never spin forever.
const ANALYSIS_TIMEOUT_MS = 120_000;
// A bounce is read without DNS: if it runs this long, the text itself is the problem.
const TEXT_ONLY_TIMEOUT_MS = 20_000;
const TEXT_ONLY_KINDS = new Set(["bounce"]);
// The same limit the worker applies (checker/frontends/browser.py MAX_INPUT_CHARS), checked here first so a
// huge paste is refused at once instead of being copied to the worker.
const MAX_INPUT_CHARS = 1_000_000;

function tooLarge(kind, request) {
  const text = request && typeof request.text === "string" ? request.text : "";
  if (text.length <= MAX_INPUT_CHARS) return null;
  return failureJson(
    `The pasted text has ${text.length.toLocaleString("en")} characters, more than the ${MAX_INPUT_CHARS.toLocaleString("en")} the analyzer reads.`,
    `the ${kind} box`,
    "Paste only the part that matters: the bounce message or the header block, without attachments.",
  );
}

// The worker itself stops an analysis that holds Python 15 s without a break (stall-guard.mjs) and answers
// why. Past the page's limit python.js also gives up on that worker (a dedicated one is terminated) and
// starts a fresh one, so the next analysis does not queue behind it.
async function runInWorker(kind, request) {
  const refused = tooLarge(kind, request);
  if (refused) return { json: refused };
  const textOnly = TEXT_ONLY_KINDS.has(kind);
  const limit = textOnly ? TEXT_ONLY_TIMEOUT_MS : ANALYSIS_TIMEOUT_MS;
  try {
    return await python.run(kind, request, { timeoutMs: limit });
  } catch (error) {
    const reason = error instanceof PythonStopped ? error.reason : "crashed";
    if (reason === "timeout") {
      return { json: textOnly
        ? failureJson(`Reading this ${kind} took more than ${limit / 1000} s, so it was stopped and the analyzer restarted.`,
          kind, "No DNS is used for this: the pasted text itself is unusual. Paste only the bounce message, without attachments or long encoded parts.")
        : failureJson(`The analysis did not finish within ${limit / 1000} s, so it was stopped and the analyzer restarted.`,
          kind, "Check the DNS resolver setting (a blocked or slow resolver stalls every lookup), then try again.") };
    }
    if (reason === "restarted") {
      return { json: failureJson("The analyzer was restarted while this ran.", "the analyzer", "Run it again.") };
    }
    return { json: failureJson(`The analyzer's worker stopped (${error.detail || error.message}).`, "Loading the analyzer",
      "Use a current browser (module web workers are needed) and reload the page.") };
  }
}

// ---------------------------------------------------------------- the Bounce tab

function renderEntryMatches(matches) {
  return el("ol", { class: "an-matches" }, matches.map((match, index) =>
    el("li", { class: `an-match${index === 0 ? " an-match--best" : ""}`, "data-entry-id": match.entry_id },
      safeLink(match.entry_id, match.title),
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
    status.diagnostic && recipientWords(status).remote
      ? el("details", { class: "an-details an-ndr" }, el("summary", { text: "The whole notice" }), el("p", { class: "an-record" }, el("code", { text: status.diagnostic })))
      : null,
  ];
}

// The verdict first (what to do, who does it, the entry), then why, then the facts and every match.
function renderBounce(result) {
  const recipients = Array.isArray(result.recipients) ? result.recipients : [];
  const single = recipients.length === 1;
  return el("div", { class: "an-view an-view--bounce" },
    single ? bounceVerdict(recipients[0]) : null,
    !single && result.explanation ? el("p", { class: "an-explanation an-lead", text: result.explanation }) : null,
    (result.problems || []).map(renderError),
    recipients.map((recipient, index) => el("section", { class: "an-block an-recipient", "data-block": "recipient" },
      single ? null : el("h3", { text: `Recipient ${index + 1}${recipient.status && recipient.status.recipient ? `: ${recipient.status.recipient}` : ""}` }),
      single ? null : bounceVerdict(recipient),
      explanationAfterVerdict(recipient) ? el("p", { class: "an-explanation", text: explanationAfterVerdict(recipient) }) : null,
      recipient.status ? renderStatusFacts(recipient.status) : null,
      recipient.specific === false && (recipient.matches || []).length ? genericNotice(recipient.status) : null,
      (recipient.matches || []).length
        ? [el("h4", { text: "Matching entries, best first" }), renderEntryMatches(recipient.matches)]
        : null)),
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
const TITLES = { bounce: "What the bounce means", headers: "Authentication result", domain: "Domain audit", ip: "IP address check" };

// What each kind cannot check without DNS, for the "resolver could not be reached" notice.
const NEEDS_DNS = {
  headers: "SPF, the DKIM keys, the DMARC policy and the ARC seals",
  domain: "every part of the audit",
  ip: "the reverse DNS and every blocklist",
};

function renderAnswer(container, kind, message, elapsedMs, subject) {
  let data;
  try {
    data = JSON.parse(message.json);
  } catch {
    data = { ok: false, error: { what: "The analyzer returned something unreadable.", where: "Analyzer", fix: "Reload the page." } };
  }
  // Not one DNS question got an answer (refused, unreachable, HTTP errors, timeouts): one notice at the
  // top instead of one failure per check.
  const dns = message.dns || {};
  const resolverDown = data.ok && kind !== "bounce" && dns.asked > 0 && dns.answered === 0;
  let body;
  if (!data.ok) {
    body = renderError(data.error);
  } else {
    const result = resolverDown ? markResolverDown(data.result || {}) : data.result || {};
    try {
      // The Domain and IP views then draw one "not checked" line instead of a card per failed check.
      body = (VIEWS[kind] || renderGeneric)(result, { resolverDown });
    } catch (error) {
      // A view bug must not hide the answer: say so and fall back to the plain view.
      console.error("analyzer: view failed", error);
      body = [renderError({ what: `This result could not be laid out (${error.message}).`, where: `${humanize(kind)} view`,
        fix: "The raw result is below under Technical details; please report the problem." }), renderGeneric(result)];
    }
  }
  const notice = resolverDown ? resolverDownNotice(kind, dns) : null;
  container.replaceChildren(resultFrame({
    kind, title: TITLES[kind] || "Result", subject, data, notice, body,
    elapsed: `Analysed in ${(elapsedMs / 1000).toFixed(2)} s.`,
    shareUrl: data.ok && (kind === "domain" || kind === "ip") ? shareLink(kind, subject) : null,
  }));
  return { ok: Boolean(data.ok), resolverDown };
}

// ---------------------------------------------------------------- follow-ups in the Headers and Domain results

// A follow-up runs its own entry point in the worker and draws into `slot`; a failure stays in the slot.
async function runFollowUp(slot, kind, request, render) {
  slot.setAttribute("aria-busy", "true");
  slot.dataset.state = "busy";
  slot.replaceChildren(el("p", { class: "an-working" }, el("span", { class: "an-spinner", "aria-hidden": "true" }), "Checking…"));
  const message = await runInWorker(kind, request);
  let data;
  try {
    data = JSON.parse(message.json);
  } catch {
    data = { ok: false, error: { what: "The analyzer returned something unreadable.", where: kind, fix: "Reload the page." } };
  }
  const dns = message.dns || {};
  if (data.ok && dns.asked > 0 && dns.answered === 0) {
    slot.replaceChildren(renderError({ what: "Not checked: the DNS resolver could not be reached.", where: "DNS resolver",
      fix: "Choose another resolver in the DNS resolver setting at the bottom of this page, then run it again." }));
  } else {
    try {
      slot.replaceChildren(data.ok ? render(data.result || {}) : renderError(data.error));
    } catch (error) {
      console.error("analyzer: follow-up view failed", error);
      slot.replaceChildren(renderError({ what: `This result could not be laid out (${error.message}).`, where: kind, fix: "Please report the problem." }));
    }
  }
  slot.dataset.state = "done";
  slot.removeAttribute("aria-busy");
}

function addDomainPlans(container, request) {
  const view = container.querySelector(".an-view--domain");
  if (!view) return Promise.resolve();
  const dmarc = el("div", { class: "an-plan-slot", "data-plan": "dmarc" });
  const spf = el("div", { class: "an-plan-slot", "data-plan": "spf" });
  const plans = el("div", { class: "an-plans", "data-block": "plans" }, el("h3", { text: "What to change next" }), dmarc, spf);
  view.insertBefore(plans, view.querySelector(".an-audit-section"));
  const ask = { domain: request.domain, doh: request.doh };
  // One after the other: the worker counts each analysis's DNS answers separately.
  return runFollowUp(dmarc, "dmarc_next", ask, renderDmarcNextStep)
    .then(() => runFollowUp(spf, "spf_reduce", ask, renderSpfReduction));
}

function addSenderRulesAction(container, request) {
  const view = container.querySelector(".an-view--headers");
  if (!view) return;
  const slot = el("div", { class: "an-plan-slot", "data-plan": "rules" });
  const button = el("button", { type: "button", class: "md-button an-small", "data-action": "sender-rules", text: "Sender rules" });
  button.addEventListener("click", async () => {
    button.disabled = true;
    await runFollowUp(slot, "requirements", { text: request.text, doh: resolverSetting(), domain_audit: true, ip_check: true }, renderSenderRules);
    button.disabled = false;
  });
  const block = el("section", { class: "an-block an-rules", "data-block": "sender-rules" },
    el("p", {}, button, " Check this message against the bulk-sender rules of Gmail, Yahoo and Outlook.com, side by side "
      + "(also looks up the From domain's DNS and the sending IP's reverse DNS)."), slot);
  const summary = view.querySelector(".an-summary");
  if (summary) summary.after(block);
  else view.prepend(block);
}

// Each browser has its own words for a request that never connected ("Failed to fetch", "NetworkError when
// attempting to fetch resource.", "Load failed"); none of them tells a reader anything. Other causes
// (an HTTP status, a refused redirect, a timeout) are already words and stay as they are.
function resolverTrouble(error) {
  return /failed to fetch|networkerror|load failed/i.test(error) ? "the browser could not connect to it" : error;
}

function resolverDownNotice(kind, dns) {
  const setting = resolverSetting();
  let host = setting.url;
  try {
    host = new URL(setting.url).host;
  } catch {
    // keep the address as typed
  }
  const picker = resolverPicker();
  const retry = el("button", { type: "button", class: "md-button md-button--primary an-small", "data-retry": kind, text: "Switch and retry" });
  retry.addEventListener("click", () => {
    applyResolverChoice(picker.value);
    document.querySelector(`form[data-kind="${kind}"]`).requestSubmit();
  });
  return el("div", { class: "an-resolver-down", role: "alert" },
    el("p", {}, el("strong", { text: `The DNS resolver ${host} could not be reached` }),
      dns.error ? ` (${resolverTrouble(dns.error)}).` : "."),
    el("p", { text: `So nothing that needs DNS was checked: ${NEEDS_DNS[kind] || "every DNS lookup"}. `
      + "Those checks are marked \"Not checked\" below; they are not failures of the message or the domain." }),
    el("p", { class: "an-resolver-switch" }, el("label", { for: `an-switch-${kind}`, text: "Try another resolver: " }),
      Object.assign(picker, { id: `an-switch-${kind}` }), " ", retry));
}

// ---------------------------------------------------------------- resolver setting

const RESOLVER_KEY = `${STORE_PREFIX}resolver`;
const params = new URLSearchParams(location.search);
let proposalPending = false;
const afterProposal = [];

function offeredResolvers() {
  return [...document.getElementById("an-resolver").options].filter((option) => option.value !== "custom")
    .map((option) => ({ id: option.value, url: option.dataset.url, format: option.dataset.format, name: option.dataset.name || option.textContent }));
}

function resolverSetting() {
  const choice = document.getElementById("an-resolver");
  if (choice.value === "custom") {
    return { url: document.getElementById("an-custom-url").value.trim(), format: document.getElementById("an-custom-format").value };
  }
  const option = choice.selectedOptions[0];
  return { url: option.dataset.url, format: option.dataset.format };
}

function resolverName() {
  const choice = document.getElementById("an-resolver");
  if (choice.value !== "custom") return choice.selectedOptions[0].dataset.name || choice.selectedOptions[0].textContent;
  const url = resolverSetting().url;
  try {
    return url ? new URL(url).host : "custom (no URL yet)";
  } catch {
    return url;
  }
}

function saveResolver() {
  document.getElementById("an-custom").hidden = document.getElementById("an-resolver").value !== "custom";
  document.getElementById("an-resolver-name").textContent = resolverName();
  try {
    localStorage.setItem(RESOLVER_KEY, JSON.stringify({ choice: document.getElementById("an-resolver").value, ...resolverSetting() }));
  } catch {
    // Storage off: the choice lasts until the page is closed.
  }
}

// A menu of the offered resolvers (plus the custom one, if set) for the "could not be reached" notice.
function resolverPicker() {
  const current = document.getElementById("an-resolver");
  const picker = el("select", {}, [...current.options]
    .filter((option) => option.value !== "custom" || document.getElementById("an-custom-url").value.trim())
    .map((option) => el("option", { value: option.value, text: option.value === "custom" ? `Custom: ${resolverSetting().url}` : option.textContent })));
  const other = [...picker.options].find((option) => option.value !== current.value);
  picker.value = other ? other.value : current.value;
  return picker;
}

function applyResolverChoice(value) {
  document.getElementById("an-resolver").value = value;
  saveResolver();
}

function dropProposalFromAddress() {
  const url = new URL(location.href);
  url.searchParams.delete("doh");
  url.searchParams.delete("dohformat");
  history.replaceState(null, "", url.pathname + url.search + url.hash);
}

function settleProposal() {
  proposalPending = false;
  const box = document.getElementById("an-proposal");
  // The button pressed is about to be hidden: hand the keyboard focus on instead of dropping it on <body>.
  const hadFocus = box.contains(document.activeElement);
  box.hidden = true;
  if (hadFocus) root.querySelector('[role="tab"][aria-selected="true"]').focus();
  dropProposalFromAddress();
  for (const run of afterProposal.splice(0)) run();
}

function setUpResolver() {
  const choice = document.getElementById("an-resolver");
  let saved = null;
  try {
    saved = JSON.parse(localStorage.getItem(RESOLVER_KEY) || "null");
  } catch {
    saved = null;
  }
  if (saved && [...choice.options].some((option) => option.value === saved.choice)) {
    choice.value = saved.choice;
    document.getElementById("an-custom-url").value = saved.url || "";
    document.getElementById("an-custom-format").value = saved.format === "wire" ? "wire" : "json";
  }
  for (const id of ["an-resolver", "an-custom-url", "an-custom-format"]) document.getElementById(id).addEventListener("change", saveResolver);
  document.getElementById("an-custom").hidden = choice.value !== "custom";
  document.getElementById("an-resolver-name").textContent = resolverName();

  // A link may propose a resolver; it is shown plainly and used only once the reader accepts it.
  const proposed = params.get("doh");
  if (!proposed) return;
  const format = params.get("dohformat") === "wire" ? "wire" : "json";
  const current = resolverSetting();
  if (current.url === proposed && current.format === format) {
    dropProposalFromAddress();
    return;
  }
  proposalPending = true;
  const box = document.getElementById("an-proposal");
  let host = proposed;
  try {
    host = new URL(proposed).host;
  } catch {
    // shown as given
  }
  document.getElementById("an-proposal-host").textContent = host;
  document.getElementById("an-proposal-url").textContent = proposed;
  document.getElementById("an-proposal-format").textContent = format === "wire" ? "RFC 8484 wire format" : "JSON format";
  document.getElementById("an-proposal-current").textContent = resolverName();
  const accept = document.getElementById("an-proposal-accept");
  if (!usableResolverUrl(proposed)) {
    const bad = document.getElementById("an-proposal-bad");
    bad.hidden = false;
    bad.textContent = "This address cannot be used: a resolver must have an https:// address.";
    accept.hidden = true;
  }
  accept.addEventListener("click", () => {
    const offered = offeredResolvers().find((resolver) => resolver.url === proposed && resolver.format === format);
    if (offered) {
      choice.value = offered.id;
    } else {
      choice.value = "custom";
      document.getElementById("an-custom-url").value = proposed;
      document.getElementById("an-custom-format").value = format;
    }
    saveResolver();
    settleProposal();
  });
  document.getElementById("an-proposal-reject").addEventListener("click", settleProposal);
  box.hidden = false;
}

// ---------------------------------------------------------------- tabs, session input, forms

const TAB_KEY = `${STORE_PREFIX}tab`;
const REMEMBER_KEY = `${STORE_PREFIX}remember`;

function storage(kind) {
  try {
    return kind === "local" ? window.localStorage : window.sessionStorage;
  } catch {
    return null;
  }
}

function storeSet(store, key, value) {
  try {
    if (store) store.setItem(key, value);
  } catch {
    // Storage full or disabled (private mode): the analysis still works, only the reload memory is lost.
  }
}

function remembering() {
  const local = storage("local");
  return Boolean(local && local.getItem(REMEMBER_KEY) === "1");
}

function selectTab(tab, focus) {
  const tabs = [...root.querySelectorAll('[role="tab"]')];
  for (const other of tabs) {
    const selected = other === tab;
    other.setAttribute("aria-selected", String(selected));
    other.tabIndex = selected ? 0 : -1;
    document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
  }
  if (focus) tab.focus();
  storeSet(storage("session"), TAB_KEY, tab.id);
}

function setUpTabs() {
  const tabs = [...root.querySelectorAll('[role="tab"]')];
  tabs.forEach((tab, index) => {
    tab.addEventListener("click", () => selectTab(tab, false));
    tab.addEventListener("keydown", (event) => {
      const moves = { ArrowRight: 1, ArrowLeft: -1, Home: -index, End: tabs.length - 1 - index };
      if (!(event.key in moves)) return;
      event.preventDefault();
      selectTab(tabs[(index + moves[event.key] + tabs.length) % tabs.length], true);
    });
  });
  const wanted = params.get("tab") || (params.get("domain") ? "domain" : params.get("ip") ? "ip" : null);
  const session = storage("session");
  const initial = document.getElementById(wanted ? `an-tab-${wanted}` : (session && session.getItem(TAB_KEY)) || "");
  if (initial && tabs.includes(initial)) selectTab(initial, false);
}

// Pasted text lives in sessionStorage (this tab only). With "Remember on this device" ticked it is also
// copied to localStorage; unticking it, or Clear, deletes that copy.
function setUpSavedInput() {
  const session = storage("session");
  const local = storage("local");
  const remember = document.getElementById("an-remember");
  remember.checked = remembering();
  for (const field of root.querySelectorAll("[data-store]")) {
    const key = STORE_PREFIX + field.dataset.store;
    if (!remember.checked && local) local.removeItem(key); // nothing pasted outlives the tab by default
    const saved = (session && session.getItem(key)) ?? (remember.checked && local ? local.getItem(key) : null);
    if (saved !== null && !field.value) field.value = saved;
    field.addEventListener("input", () => {
      storeSet(session, key, field.value);
      if (remember.checked) storeSet(local, key, field.value);
    });
  }
  remember.addEventListener("change", () => {
    if (!local) return;
    if (remember.checked) {
      storeSet(local, REMEMBER_KEY, "1");
      for (const field of root.querySelectorAll("[data-store]")) storeSet(local, STORE_PREFIX + field.dataset.store, field.value);
    } else {
      local.removeItem(REMEMBER_KEY);
      for (const field of root.querySelectorAll("[data-store]")) local.removeItem(STORE_PREFIX + field.dataset.store);
    }
  });
  document.getElementById("an-clear").addEventListener("click", clearEverything);
}

function clearEverything() {
  const session = storage("session");
  const local = storage("local");
  for (const field of root.querySelectorAll("[data-store]")) {
    field.value = "";
    const key = STORE_PREFIX + field.dataset.store;
    if (session) session.removeItem(key);
    if (local) local.removeItem(key);
  }
  for (const input of root.querySelectorAll("input[type=file]")) input.value = "";
  if (session) session.removeItem(HANDOFF_KEY);
  if (local) local.removeItem(REMEMBER_KEY);
  document.getElementById("an-remember").checked = false;
  for (const container of root.querySelectorAll(".an-result")) {
    container.replaceChildren();
    delete container.dataset.state;
  }
  const url = new URL(location.href);
  for (const name of ["domain", "ip", "selectors"]) url.searchParams.delete(name);
  history.replaceState(null, "", url.pathname + url.search);
  const status = document.getElementById("an-status-text");
  const previous = status.textContent;
  status.textContent = "Cleared: the boxes, the results and every stored copy are empty.";
  setTimeout(() => {
    if (status.textContent.startsWith("Cleared")) status.textContent = previous;
  }, 4000);
}

function setUpTechnical() {
  const toggle = document.getElementById("an-technical");
  const apply = () => root.classList.toggle("an--technical", toggle.checked);
  toggle.addEventListener("change", apply);
  apply();
}

function requestFor(kind, form) {
  const doh = resolverSetting();
  if (kind === "bounce") return { text: form.elements.text.value };
  if (kind === "headers") return { text: form.elements.text.value, doh };
  if (kind === "domain") {
    return { domain: form.elements.domain.value, selectors: form.elements.selectors.value.split(/[\s,]+/).filter(Boolean), doh };
  }
  return { address: form.elements.address.value.trim(), doh };
}

function subjectOf(kind, request) {
  if (kind === "domain") return request.domain;
  if (kind === "ip") return request.address;
  return null;
}

function shareLink(kind, subject) {
  if (!subject) return null;
  const url = new URL(location.pathname, location.href);
  url.searchParams.set(kind, subject);
  const selectors = kind === "domain" ? document.getElementById("an-domain-selectors").value.trim() : "";
  if (selectors) url.searchParams.set("selectors", selectors);
  return url.href;
}

// Pasted into the wrong tab: offer the right one instead of an analysis that cannot help.
function wrongTabOffer(kind, form) {
  const text = form.elements.text.value;
  const other = suggestTab(kind, text);
  if (!other) return null;
  const move = el("button", { type: "button", class: "md-button md-button--primary an-small", "data-switch": other,
    text: other === "bounce" ? "Explain it as a bounce" : "Check these headers" });
  const stay = el("button", { type: "button", class: "md-button an-small", "data-stay": kind,
    text: kind === "headers" ? "Check as headers anyway" : "Explain as a bounce anyway" });
  move.addEventListener("click", () => {
    const target = document.getElementById(`an-${other}-text`);
    target.value = text;
    target.dispatchEvent(new Event("input"));
    selectTab(document.getElementById(`an-tab-${other}`), false);
    target.form.requestSubmit();
  });
  stay.addEventListener("click", () => {
    form.dataset.force = "1";
    form.requestSubmit();
  });
  return el("div", { class: "an-note an-note--warn an-wrong-tab", role: "alert", "data-suggest": other },
    el("p", { text: other === "bounce"
      ? "This looks like a bounce (a message saying your mail was not delivered), not the headers of a message you received."
      : "This looks like the headers of a message, not a bounce. The Headers tab checks their SPF, DKIM and DMARC." }),
    el("p", {}, move, " ", stay));
}

function setUpForms() {
  for (const form of root.querySelectorAll("form[data-kind]")) {
    form.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const kind = form.dataset.kind;
      const container = document.getElementById(`an-result-${kind}`);
      const button = form.querySelector('button[type="submit"]');
      if (button.disabled) return;
      const forced = form.dataset.force === "1";
      delete form.dataset.force;
      const offer = forced ? null : (kind === "bounce" || kind === "headers") ? wrongTabOffer(kind, form) : null;
      if (offer) {
        container.replaceChildren(offer);
        container.dataset.state = "offer";
        offer.querySelector("button").focus();
        return;
      }
      if (kind === "domain") {
        const field = form.elements.domain;
        const domain = domainFrom(field.value);
        if (domain && domain !== field.value.trim()) {
          field.value = domain;
          field.dispatchEvent(new Event("input"));
        }
      }
      const request = requestFor(kind, form);
      button.disabled = true;
      delete container.dataset.state;
      container.setAttribute("aria-busy", "true");
      container.replaceChildren(el("p", { class: "an-working" }, el("span", { class: "an-spinner", "aria-hidden": "true" }),
        document.getElementById("an-status").dataset.state === "ready" ? "Analysing…" : "Waiting for the analyzer to finish loading…"));
      const started = performance.now();
      const message = await runInWorker(kind, request);
      const shown = renderAnswer(container, kind, message, performance.now() - started, subjectOf(kind, request));
      if (shown.ok && !shown.resolverDown && kind === "domain") addDomainPlans(container, request);
      if (shown.ok && kind === "headers") addSenderRulesAction(container, request);
      if (kind === "domain" || kind === "ip") {
        // The address bar becomes a link that runs the same check (names only, never pasted text).
        const share = shareLink(kind, subjectOf(kind, request));
        if (share) history.replaceState(null, "", new URL(share).pathname + new URL(share).search);
      }
      container.dataset.state = "done";
      container.removeAttribute("aria-busy");
      button.disabled = false;
      const heading = container.querySelector(".an-result-title");
      if (heading) {
        heading.focus({ preventScroll: true });
        heading.scrollIntoView({ block: "start" });
      }
    });
  }
}

// Open or drop a saved message: read here with FileReader, never uploaded.
function readFileInto(file, textarea) {
  if (!file) return;
  const reader = new FileReader();
  reader.onload = () => {
    textarea.value = String(reader.result || "");
    textarea.dispatchEvent(new Event("input"));
    textarea.focus();
  };
  reader.readAsText(file);
}

function setUpFiles() {
  for (const input of root.querySelectorAll("input[type=file][data-file-for]")) {
    input.addEventListener("change", () => readFileInto(input.files[0], document.getElementById(input.dataset.fileFor)));
  }
  for (const area of root.querySelectorAll("textarea[data-drop]")) {
    area.addEventListener("dragover", (event) => {
      if ([...(event.dataTransfer.types || [])].includes("Files")) {
        event.preventDefault();
        area.classList.add("an-drop");
      }
    });
    area.addEventListener("dragleave", () => area.classList.remove("an-drop"));
    area.addEventListener("drop", (event) => {
      area.classList.remove("an-drop");
      const file = event.dataTransfer.files && event.dataTransfer.files[0];
      if (!file) return;
      event.preventDefault();
      readFileInto(file, area);
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
  if (!text || !text.trim()) return false;
  selectTab(document.getElementById("an-tab-bounce"), false);
  const field = document.getElementById("an-bounce-text");
  field.value = text;
  field.dispatchEvent(new Event("input"));
  field.form.requestSubmit();
  return true;
}

// Shareable links: /analyzer/?domain=example.com or ?ip=192.0.2.1 run that check on open. Only names and
// addresses: pasted text is never taken from the address. A proposed resolver is settled first.
function takeShareLink() {
  const domain = params.get("domain");
  const address = params.get("ip");
  const kind = domain ? "domain" : address ? "ip" : null;
  if (!kind) return;
  const run = () => {
    selectTab(document.getElementById(`an-tab-${kind}`), false);
    if (kind === "domain") {
      document.getElementById("an-domain-name").value = domain;
      document.getElementById("an-domain-selectors").value = params.get("selectors") || "";
    } else {
      document.getElementById("an-ip-address").value = address;
    }
    document.querySelector(`form[data-kind="${kind}"]`).requestSubmit();
  };
  if (proposalPending) afterProposal.push(run);
  else run();
}

python.subscribe(showPythonStatus);
python.start();
setUpTabs();
setUpSavedInput();
setUpResolver();
setUpTechnical();
setUpForms();
setUpFiles();
if (!takeHandoff()) takeShareLink();
