// The Headers tab: the verdict first, then one tailored block per mechanism (DMARC alignment, DKIM
// signatures, SPF, ARC, Authentication-Results, Received hops, List-Unsubscribe). Every check the
// checker returned is shown somewhere: a block claims the checks it draws, the rest go to "Other findings".

import {
  chip, code, el, facts, formatDelay, note, renderCheck, renderChecks, renderError, section, summaryBox, table,
  technicalDetails,
} from "./dom.js";

// Authentication result words (RFC 8601) to a verdict colour; the chip still shows the word itself.
const RESULT_VERDICT = {
  pass: "pass", fail: "fail", softfail: "warn", neutral: "warn", none: "info", policy: "warn",
  temperror: "error", permerror: "fail",
};

function resultChip(result) {
  const word = String(result || "none");
  return chip(RESULT_VERDICT[word] || "info", word);
}

function yesNo(value, yes = "Yes", no = "No") {
  if (value === null || value === undefined) return el("span", { class: "an-muted", text: "—" });
  return chip(value ? "pass" : "fail", value ? yes : no);
}

function claimer(checks) {
  const used = new Set();
  const take = (predicate) => {
    const picked = checks.filter((check) => !used.has(check) && predicate(check));
    for (const check of picked) used.add(check);
    return picked;
  };
  const rest = () => checks.filter((check) => !used.has(check));
  return { take, rest };
}

// ---------------------------------------------------------------- DMARC alignment

function alignmentRows(result) {
  const dmarc = result.dmarc || {};
  const fromDomain = dmarc.from_domain || (result.from_domains || [])[0] || null;
  const rows = [{ kind: "from", label: "From header (what the reader sees)", domain: fromDomain }];
  const alignment = Array.isArray(result.alignment) ? result.alignment : [];
  const signatures = result.dkim && Array.isArray(result.dkim.signatures) ? [...result.dkim.signatures] : [];
  const spfRows = alignment.filter((row) => row.source === "spf");
  if (spfRows.length) {
    for (const row of spfRows) rows.push({ kind: "spf", label: "MAIL FROM (SPF)", ...row });
  } else {
    rows.push({
      kind: "spf", label: "MAIL FROM (SPF)", domain: result.mail_from ? result.mail_from.split("@").pop() : null,
      missing: true,
      why: result.mail_from
        ? "SPF for the MAIL FROM domain was not evaluated here, so its alignment cannot be judged."
        : "The headers have no Return-Path, so the envelope sender (MAIL FROM) is unknown and SPF alignment "
          + "cannot be judged. Paste the headers as the final receiver saw them.",
    });
  }
  for (const row of alignment.filter((item) => item.source === "dkim")) {
    // The checker lists DKIM rows in signature order; pair each with its signature for the selector.
    const index = signatures.findIndex((signature) => signature.domain === row.domain);
    const signature = index >= 0 ? signatures.splice(index, 1)[0] : null;
    const selector = signature && signature.selector ? ` (s=${signature.selector})` : "";
    rows.push({ kind: "dkim", label: `DKIM d=${selector}`, ...row });
  }
  return rows;
}

function modeText(row) {
  if (row.kind === "from" || row.missing || !row.mode) return null;
  const tag = row.kind === "spf" ? "aspf" : "adkim";
  return `${row.mode === "s" ? "strict" : "relaxed"} (${tag}=${row.mode})`;
}

function renderAlignmentTable(result) {
  const rows = alignmentRows(result);
  return table("DMARC alignment: which identifiers match the From domain", [
    { label: "Identifier", cell: (row) => row.label },
    { label: "Domain", cell: (row) => code(row.domain) },
    { label: "Authenticated", cell: (row) => (row.kind === "from" || row.missing ? null : resultChip(row.auth_result)) },
    { label: "Mode required", cell: (row) => modeText(row) },
    {
      label: "Domain match",
      cell: (row) => (row.kind === "from" || row.missing ? null
        : `relaxed ${row.relaxed ? "yes" : "no"}, strict ${row.strict ? "yes" : "no"}`),
    },
    {
      label: "Aligned",
      cell: (row) => (row.kind === "from" ? el("span", { class: "an-muted", text: "reference" })
        : row.missing ? chip("info", "Unknown") : yesNo(row.aligned)),
    },
    {
      label: "Why",
      class: "an-wide",
      cell: (row) => (row.kind === "from" ? "Every other row is compared with this domain." : row.why || null),
    },
  ], rows, (row) => ({
    class: `an-align an-align--${row.kind}`, "data-source": row.kind, "data-domain": row.domain || "",
    "data-aligned": row.kind === "from" ? null : row.missing ? "unknown" : String(Boolean(row.aligned)),
  }));
}

function discoveryNote(result) {
  const legacy = result.dmarc;
  const bis = result.dmarc_rfc9989;
  if (!legacy || !bis) return null;
  // A lookup that failed found nothing to compare: no "same record" or "disagree" from it.
  if (legacy.result === "temperror" || bis.result === "temperror") return null;
  if (legacy.result === bis.result && legacy.record_domain === bis.record_domain) {
    const orgNote = legacy.org_domain === bis.org_domain ? ""
      : ` They differ only in the organizational domain used for relaxed alignment: ${legacy.org_domain} by the `
        + `public suffix list (RFC 7489), ${bis.org_domain} by the DNS tree walk (RFC 9989).`;
    return note("Both ways of finding the DMARC record (RFC 7489 and RFC 9989) reach the same record and "
      + `result.${orgNote}`, "an-note an-muted");
  }
  return table("The two DMARC discovery methods disagree", [
    { label: "Method", cell: (row) => (row.method === "rfc9989" ? "RFC 9989 (DNS tree walk)" : "RFC 7489 (public suffix list)") },
    { label: "Record found at", cell: (row) => code(row.record_domain ? `_dmarc.${row.record_domain}` : null) },
    { label: "Organizational domain", cell: (row) => code(row.org_domain) },
    { label: "Result", cell: (row) => resultChip(row.result) },
  ], [legacy, bis]);
}

const DISPOSITION_WORDS = {
  none: "deliver normally (no DMARC action)",
  quarantine: "put it in spam (quarantine)",
  reject: "refuse it (reject)",
};

// A temperror or permerror means no policy was applied: "deliver normally" would be a wrong promise.
function dispositionText(dmarc) {
  if (dmarc.result === "temperror") {
    return "undecided: the DMARC record could not be looked up (temporary error), so no policy was applied; "
      + "a receiver may deliver, defer or retry";
  }
  if (dmarc.result === "permerror") return "undecided: the DMARC record is unusable (permanent error), so no policy applies";
  return DISPOSITION_WORDS[dmarc.disposition] || dmarc.disposition || null;
}

function renderDmarc(result, take) {
  const dmarc = result.dmarc;
  const dmarcChecks = take((check) => check.name === "DMARC");
  take((check) => check.reason === "dmarc.aligned" || check.reason === "dmarc.not_aligned");
  const otherDmarc = take((check) => check.reason.startsWith("dmarc."));
  const record = dmarc && dmarc.record ? dmarc.record.raw : null;
  return section("DMARC and alignment", "dmarc",
    renderChecks(dmarcChecks),
    dmarc ? facts([
      ["From domain", code(dmarc.from_domain)],
      ["DMARC record", record ? code(record) : dmarc.result === "temperror" ? "could not be looked up (DNS failure)" : "none found"],
      ["Record location", dmarc.record_domain ? code(`_dmarc.${dmarc.record_domain}`) : null],
      ["Policy", dmarc.policy ? `${dmarc.policy_tag || "p"}=${dmarc.policy}` : null],
      ["What the receiver should do", el("span", { text: dispositionText(dmarc) || "—" })],
      ["Organizational domain", code(dmarc.org_domain)],
    ]) : null,
    renderAlignmentTable(result),
    note("DMARC passes when at least one row both authenticated (pass) and aligned with the From domain. "
      + "Relaxed alignment accepts the same organizational domain; strict needs the exact domain.", "an-note an-muted"),
    discoveryNote(result),
    renderChecks(otherDmarc));
}

// ---------------------------------------------------------------- DKIM

function bodyHashText(signature, headersOnly) {
  // "No body pasted" only when that is the reason: a signature can also stop before its body hash
  // (no key, a broken tag), and then the body that was pasted is simply not reached.
  if (signature.body_checked === false) return headersOnly ? "not checked (no body pasted)" : "not checked (the signature was not verified)";
  if (signature.body_hash_ok === true) return "matches";
  if (signature.body_hash_ok === false) return "changed after signing";
  return "—";
}

function keyText(signature) {
  if (!signature.key_type) {
    if (!signature.key_query) return "—";
    return signature.result === "temperror" ? `could not look up the key at ${signature.key_query}` : `no usable key at ${signature.key_query}`;
  }
  const bits = signature.key_bits ? ` ${signature.key_bits}-bit` : "";
  return `${signature.key_type.toUpperCase()}${bits}${signature.key_testing ? " (testing, t=y)" : ""}`;
}

function renderDkimTable(signatures, headersOnly) {
  const columns = ["#", "d=", "s=", "a=", "c=", "Key", "Body hash", "Result"];
  return el("div", { class: "an-table-wrap" }, el("table", { class: "an-table an-dkim" },
    el("caption", { text: "DKIM signatures, in header order" }),
    el("thead", {}, el("tr", {}, columns.map((label) => el("th", { scope: "col", text: label })))),
    signatures.map((signature) => {
      const tags = signature.tags || {};
      return el("tbody", { class: "an-dkim-sig", "data-domain": signature.domain || "", "data-result": signature.result },
        el("tr", {},
          el("td", { text: String((signature.index ?? 0) + 1) }),
          el("td", {}, code(signature.domain)),
          el("td", {}, code(signature.selector)),
          el("td", { text: signature.algorithm || tags.a || "—" }),
          el("td", { text: tags.c || "simple/simple" }),
          el("td", { text: keyText(signature) }),
          el("td", { text: bodyHashText(signature, headersOnly) }),
          el("td", {}, resultChip(signature.result), " ", el("code", { class: "an-reason", text: signature.reason }))),
        el("tr", { class: "an-row-explain" }, el("td", {}),
          el("td", { colspan: String(columns.length - 1) }, signature.explanation || "",
            signature.detail ? el("span", { class: "an-muted", text: ` (${signature.detail})` }) : null,
            signature.key_query ? el("span", { class: "an-muted" }, " Key looked up at ", code(signature.key_query), ".") : null)));
    })));
}

function renderDkim(result, take) {
  const dkim = result.dkim;
  const cards = take((check) => /^DKIM/.test(check.name) || check.reason.startsWith("dkim."));
  if (!dkim) return section("DKIM signatures", "dkim", renderChecks(cards));
  const signatures = Array.isArray(dkim.signatures) ? dkim.signatures : [];
  // Per-signature checks are in the table; any other DKIM finding (a parse problem, an error) stays visible.
  const leftovers = cards.filter((check) => !/^DKIM signature \d+/.test(check.name));
  return section("DKIM signatures", "dkim",
    dkim.input_error ? renderError(dkim.input_error) : null,
    dkim.headers_only ? note("Only headers were pasted, so each body hash could not be checked: a pass "
      + "here covers the signed headers only.", "an-note an-note--warn") : null,
    signatures.length ? renderDkimTable(signatures, Boolean(dkim.headers_only))
      : note("The message has no DKIM-Signature header, so DKIM cannot help it pass DMARC.", "an-note"),
    (dkim.notes || []).map((text) => note(text, "an-note an-muted")),
    renderChecks(leftovers));
}

// ---------------------------------------------------------------- SPF

function renderSpf(result, take) {
  const spf = result.spf;
  const cards = take((check) => check.name === "SPF" || check.reason.startsWith("spf."));
  if (!spf) return section("SPF, checked again here", "spf", renderChecks(cards));
  return section("SPF, checked again here", "spf",
    el("p", { class: "an-lead" }, resultChip(spf.result), " ", spf.explanation || ""),
    spf.input_error ? renderError(spf.input_error) : null,
    facts([
      ["Connecting IP", code(spf.ip || result.connecting_ip)],
      ["MAIL FROM", code(result.mail_from)],
      ["Domain checked", code(spf.domain)],
      ["SPF record", spf.record ? code(spf.record) : spf.result === "temperror" ? "could not be looked up (DNS failure)" : "none found"],
      ["Matched mechanism", spf.mechanism ? code(spf.mechanism) : spf.record ? "none (the record's default applied)" : null],
      ["DNS lookups", `${spf.lookups ?? 0} of 10 allowed`],
      ["Void lookups", `${spf.void_lookups ?? 0} of 2 allowed`],
      ["Path", spf.trail && spf.trail.length ? spf.trail.join(" → ") : null],
    ]),
    renderChecks(cards.filter((check) => check.verdict !== "pass" && check.name !== "SPF")));
}

// ---------------------------------------------------------------- ARC

const CV_VERDICT = { pass: "pass", fail: "fail", none: "info" };

function validity(valid, problem) {
  if (valid === true) return chip("pass", "valid");
  if (valid === false) return el("span", {}, chip("fail", "invalid"), problem ? ` ${problem}` : "");
  return el("span", { class: "an-muted", text: "not checked" });
}

function renderArc(result, take) {
  const arc = result.arc;
  const cards = take((check) => check.reason.startsWith("arc."));
  if (!arc) return section("ARC chain (forwarders)", "arc", renderChecks(cards));
  const sets = Array.isArray(arc.sets) ? arc.sets : [];
  return section("ARC chain (forwarders)", "arc",
    el("p", { class: "an-lead" }, chip(CV_VERDICT[arc.cv] || "info", `cv=${arc.cv}`), " ", arc.explanation || ""),
    arc.broken_at !== null && arc.broken_at !== undefined
      ? note(`The chain breaks at hop ${arc.broken_at}: results recorded from there on cannot be trusted.`, "an-note an-note--fail")
      : null,
    sets.length ? table("One row per forwarder that sealed the message (i=1 is the first)", [
      { label: "Instance", cell: (set) => `i=${set.instance}${arc.broken_at === set.instance ? " (breaks here)" : ""}` },
      { label: "cv", cell: (set) => set.cv },
      { label: "Sealed by", cell: (set) => code(`d=${set.seal_domain || "?"} s=${set.seal_selector || "?"}`) },
      { label: "ARC-Seal", cell: (set) => validity(set.seal_valid, set.seal_problem) },
      { label: "Message signature", cell: (set) => validity(set.ams_valid, set.ams_problem) },
      {
        label: "What it recorded",
        cell: (set) => (set.auth_results && Array.isArray(set.auth_results.results)
          ? set.auth_results.results.map(([method, value]) => `${method}=${value}`).join(", ") : null),
      },
    ], sets, (set) => ({
      "data-instance": String(set.instance),
      class: arc.broken_at === set.instance ? "an-row-broken" : null,
    })) : null,
    renderChecks(cards.filter((check) => check.verdict === "fail" || check.verdict === "error")));
}

// ---------------------------------------------------------------- Authentication-Results

function renderAuthResults(result, take) {
  const entries = Array.isArray(result.auth_results) ? result.auth_results : [];
  take((check) => check.reason.startsWith("authres."));
  if (!entries.length) {
    return section("Authentication-Results headers", "authres",
      note("No Authentication-Results header: the receiving server recorded no results of its own (or they "
        + "were removed), so only the checks made here count.", "an-note"));
  }
  const problems = entries.flatMap((entry) => [
    ...(entry.error ? [`${entry.header} (line ${entry.line}): ${entry.error.what || entry.error}`] : []),
    ...((entry.parsed && entry.parsed.problems) || []).map((text) => `${entry.header} (line ${entry.line}): ${text}`),
  ]);
  return section("Authentication-Results headers", "authres",
    table("Results recorded by servers on the way; only the receiver's own are trustworthy", [
      { label: "Line", cell: (entry) => String(entry.line ?? "—") },
      { label: "Header", cell: (entry) => entry.header },
      { label: "Added by", cell: (entry) => code((entry.parsed && entry.parsed.authserv_id) || null) },
      {
        label: "Results",
        cell: (entry) => (entry.parsed && entry.parsed.results
          ? entry.parsed.results.map((item) => `${item.method}=${item.result}`).join(", ") : code(entry.value)),
      },
      { label: "Trust", cell: (entry) => (entry.trusted ? chip("pass", "Trusted") : chip("warn", "Not trusted")) },
      { label: "Why", class: "an-wide", cell: (entry) => entry.why },
    ], entries, (entry) => ({ "data-trusted": String(Boolean(entry.trusted)) })),
    problems.length ? el("ul", { class: "an-notes" }, problems.map((text) => el("li", { text }))) : null);
}

// ---------------------------------------------------------------- Received hops

function clockTime(timestamp, withDate) {
  const time = timestamp.slice(11, 19);
  return withDate ? `${timestamp.slice(0, 10)} ${time}` : time;
}

const SVG_NS = "http://www.w3.org/2000/svg";

function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  for (const child of children) node.append(child);
  return node;
}

function svgText(tag, text) {
  const node = document.createElementNS(SVG_NS, tag);
  node.textContent = text;
  return node;
}

// One bar per hop, its length proportional to the delay before that hop (drawn in SVG, no library);
// the labels are HTML text, and each bar also says its delay to screen readers. The table stays below.
function renderTimeline(hops, slowest) {
  const delays = hops.map((hop) => (typeof hop.delay_seconds === "number" ? Math.max(0, hop.delay_seconds) : null));
  const longest = Math.max(0, ...delays.filter((value) => value !== null));
  if (hops.length < 2) return null;
  const items = hops.map((hop, index) => {
    const delay = delays[index];
    const share = delay === null || longest === 0 ? 0 : delay / longest;
    const label = index === 0 && delay === null ? "first stamp" : delay === null ? "no time stamp"
      : `${formatDelay(hop.delay_seconds)}${hop.clock_skew ? " (clock skew)" : ""}`;
    const spoken = `Hop ${hop.position}, ${hop.by || "unknown server"}: ${index === 0 && delay === null ? "first time stamp, no delay before it" : label}`;
    const bar = svg("svg", { class: "an-bar", viewBox: "0 0 100 10", preserveAspectRatio: "none", role: "img", "aria-label": spoken, focusable: "false" },
      svgText("title", spoken),
      svg("rect", { class: "an-bar__track", x: 0, y: 0, width: 100, height: 10, rx: 1 }),
      svg("rect", { class: `an-bar__fill${hop.position === slowest ? " an-bar__fill--slow" : ""}`, x: 0, y: 0,
        width: delay === null ? 0 : Math.max(0.8, share * 100).toFixed(2), height: 10, rx: 1 }));
    return el("li", { class: `an-timeline__hop${hop.position === slowest ? " an-timeline__hop--slow" : ""}`, "data-position": String(hop.position),
      "data-share": share.toFixed(3) },
      el("span", { class: "an-timeline__label" }, el("span", { class: "an-timeline__pos", text: `${hop.position}` }), " ",
        el("span", { class: "an-timeline__host", text: hop.by || hop.from_name || "—" })),
      bar,
      el("span", { class: "an-timeline__delay", text: label + (hop.position === slowest ? " (slowest)" : "") }));
  });
  return el("figure", { class: "an-timeline", "aria-labelledby": "an-timeline-caption" },
    el("figcaption", { id: "an-timeline-caption", text: "Delay before each hop (bar length proportional to the delay; the table below has the details)" }),
    el("ol", { class: "an-timeline__hops" }, items));
}

function renderReceived(result, take) {
  const received = result.received || {};
  const cards = take((check) => check.reason === "headers.hops" || check.reason.startsWith("received."));
  const hops = [...(received.hops || result.hops || [])].sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
  if (!hops.length) return section("Received hops", "received", renderChecks(cards));
  const days = new Set(hops.map((hop) => (hop.timestamp || "").slice(0, 10)).filter(Boolean)).size;
  const firstDay = hops.find((hop) => hop.timestamp);
  const slowest = received.slowest_hop ? received.slowest_hop.position : null;
  const entry = received.first_external ? received.first_external.position : null;
  // Labelled cells: on a phone the table becomes one small card per hop (an-stack).
  const cell = (label, attrs, ...children) => el("td", { "data-label": label, ...attrs }, ...children);
  const body = hops.map((hop) => el("tr", { "data-position": String(hop.position) },
    cell("#", { text: String(hop.position) }),
    cell("From", {}, hop.from_name || hop.from_helo || "—",
      hop.from_helo && hop.from_name && hop.from_helo.toLowerCase() !== hop.from_name.toLowerCase()
        ? el("span", { class: "an-muted", text: ` (HELO ${hop.from_helo})` }) : null),
    cell("IP", {}, code(hop.from_ip)),
    cell("By", {}, hop.by || "—", hop.position === entry ? el("span", { class: "an-tag", text: "receiver starts here" }) : null),
    cell("Protocol", { text: hop.protocol || "—" }),
    cell("TLS", { title: hop.cipher || null, text: hop.tls ? hop.tls_version || "yes" : hop.tls === false ? "no" : "—" }),
    cell("Time", { title: hop.timestamp || null, text: hop.timestamp ? clockTime(hop.timestamp, days > 1) : "—" }),
    cell("Delay", { class: hop.position === slowest ? "an-slow" : null },
      formatDelay(hop.delay_seconds), hop.position === slowest ? " (slowest)" : "", hop.clock_skew ? " (clock skew)" : "")));
  const total = el("tfoot", {}, el("tr", {}, el("th", { scope: "row", colspan: "7", text: "Total, first to last stamp" }),
    el("td", { "data-label": "Total", text: formatDelay(received.total_delay_seconds) })));
  return section("Received hops", "received",
    received.explanation ? el("p", { text: received.explanation }) : null,
    renderTimeline(hops, slowest),
    el("div", { class: "an-table-wrap" }, el("table", { class: "an-table an-hops an-stack" },
      el("caption", { text: `In the order the message travelled (1 = first server)${days === 1 && firstDay
        ? `; times on ${firstDay.timestamp.slice(0, 10)}${/\+00:00$/.test(firstDay.timestamp) ? ", UTC" : ""}` : ""}` }),
      el("thead", {}, el("tr", {}, ["#", "From", "IP", "By", "Protocol", "TLS", "Time", "Delay"]
        .map((label) => el("th", { scope: "col", text: label })))),
      el("tbody", {}, body), total)),
    received.truncated ? note("Only the first Received headers were read; the rest were skipped.", "an-note") : null,
    renderChecks(cards.filter((check) => check.verdict !== "info")));
}

// ---------------------------------------------------------------- List-Unsubscribe

function renderListUnsubscribe(take) {
  const checks = take((check) => check.reason.startsWith("listunsub."));
  if (!checks.length) return null;
  return section("List-Unsubscribe (bulk mail)", "listunsub",
    table(null, [
      { label: "Check", cell: (check) => check.name },
      { label: "Result", cell: (check) => chip(check.verdict) },
      { label: "What it means", cell: (check) => check.explanation },
    ], checks, (check) => ({ "data-reason": check.reason })));
}

export function renderHeaders(result) {
  const checks = Array.isArray(result.checks) ? result.checks : [];
  const { take, rest } = claimer(checks);
  const blocks = [
    renderDmarc(result, take),
    renderDkim(result, take),
    renderSpf(result, take),
    renderArc(result, take),
    renderAuthResults(result, take),
    renderReceived(result, take),
    renderListUnsubscribe(take),
  ];
  const others = rest();
  return el("div", { class: "an-view an-view--headers" },
    result.summary ? summaryBox(result.summary) : null,
    (result.problems || []).map(renderError),
    blocks,
    others.length ? section("Other findings", "other", el("ul", { class: "an-checks" }, others.map(renderCheck))) : null,
    (result.notes || []).length ? el("ul", { class: "an-notes" }, result.notes.map((text) => el("li", { text }))) : null,
    technicalDetails(result));
}
