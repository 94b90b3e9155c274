// The Domain and IP tabs: an overview (worst verdict per part), then one tailored block per part:
// MX hosts with their addresses and reverse DNS, the SPF include tree with lookup counts against the
// limits, DKIM selectors, DMARC with both discovery methods, MTA-STS / TLS-RPT / BIMI records; for an
// IP its reverse DNS and a blocklist table. Every check stays visible as a card with its explanation.
// A lookup that failed is said in plain words (the resolver's raw message stays in the technical
// details), and when no DNS answer came at all one line names what was not checked.

import { chip, code, el, facts, note, renderChecks, renderError, safeLink, section, siteLink, table, technicalDetails } from "./dom.js";

const SPF_LOOKUP_LIMIT = 10; // RFC 7208 section 4.6.4
const SPF_VOID_LIMIT = 2;
const VERDICT_ORDER = ["fail", "error", "warn", "info", "pass"];

function worstVerdict(checks) {
  return VERDICT_ORDER.find((verdict) => checks.some((check) => check.verdict === verdict)) || "info";
}

function renderOverview(sections) {
  return el("div", { class: "an-table-wrap" }, el("table", { class: "an-table an-overview" },
    el("caption", { text: "Overview: the most serious finding of each part" }),
    el("tbody", {}, sections.map((part) => {
      const verdict = worstVerdict(part.checks);
      const first = part.checks.find((check) => check.verdict === verdict);
      return el("tr", { "data-section": part.name }, el("th", { scope: "row" },
        el("a", { href: `#an-part-${part.name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`, text: part.name })),
      el("td", {}, chip(verdict)), el("td", { text: first ? plainCheck(first).explanation : "" }));
    }))));
}

function recordFacts(detail) {
  const tags = detail && detail.tags && typeof detail.tags === "object" ? Object.entries(detail.tags) : [];
  return [
    detail && detail.name ? note(`Looked up: TXT ${detail.name}`, "an-note an-muted") : null,
    detail && detail.record ? el("p", { class: "an-record" }, "Record: ", code(detail.record)) : null,
    tags.length ? facts(tags.map(([key, value]) => [`${key}=`, code(String(value))])) : null,
  ];
}

// ---------------------------------------------------------------- lookups that failed

// "The DNS query for TXT _dmarc.example.com failed: <the resolver's raw message>", as the checker writes it.
const FAILED_QUERY = /DNS query for (\S+ \S+?) failed/;

// A failed DNS lookup in plain words; the resolver's raw message stays in the technical details.
export function dnsFailureWords(error) {
  const text = String((error && error.what) || error || "");
  const rcode = /answered (SERVFAIL|REFUSED|FORMERR|NOTIMP)/.exec(text);
  if (rcode) return `the DNS server answered ${rcode[1]}`;
  const http = /HTTP (\d{3})/.exec(text);
  if (http) return `the resolver answered with an HTTP ${http[1]} error`;
  if (/no answer within|timed out|timeout/i.test(text)) return "no answer in time";
  if (/did not answer|could not (fetch|connect)/i.test(text)) return "the resolver did not answer";
  return "the DNS lookup failed";
}

function notCheckedWords(text) {
  const query = FAILED_QUERY.exec(String(text || ""));
  return `Not checked: ${query ? `no usable answer to ${query[1]} (${dnsFailureWords(text)})` : dnsFailureWords(text)}.`;
}

// A check that could not run because a lookup failed keeps its card, with the cause in plain words.
function plainCheck(check) {
  if (check.verdict !== "error" || !FAILED_QUERY.test(check.explanation || "")) return check;
  return { ...check, explanation: `${notCheckedWords(check.explanation)} Try again later or with another resolver.` };
}

function plainChecks(checks) {
  return renderChecks(checks.map(plainCheck));
}

// Every check of the part failed on DNS: nothing was learnt, so one line instead of empty tables.
function failedOnDns(part) {
  return part.checks.length > 0
    && part.checks.every((check) => check.verdict === "error" && FAILED_QUERY.test(check.explanation || ""));
}

function selectorCount(part) {
  const detail = part.detail && typeof part.detail === "object" ? part.detail : {};
  return (Array.isArray(detail.named) ? detail.named.length : 0) + (Array.isArray(detail.probed) ? detail.probed.length : 0);
}

// No DNS answer at all (the notice at the top says why and offers another resolver): one line, no cards.
function notCheckedSummary(sections) {
  const names = sections.map((part) => {
    const count = part.name === "DKIM" ? selectorCount(part) : 0;
    return count ? `${part.name} (${count} selector${count === 1 ? "" : "s"})` : part.name;
  });
  return el("p", { class: "an-note an-not-checked", "data-not-checked": "domain" },
    el("strong", { text: "Not checked: " }), `${names.join(", ")}.`);
}

// ---------------------------------------------------------------- MX

// DNS answer statuses and DKIM selector statuses in words (never the raw codes).
const STATUS_WORDS = {
  ok: "found", nodata: "no record", nxdomain: "no such name", servfail: "server failure (SERVFAIL)",
  timeout: "no answer in time", error: "could not check", found: "found", not_found: "not found",
  dns_error: "could not check", invalid_input: "not a valid name",
};

function statusWords(status) {
  return STATUS_WORDS[status] || String(status || "").replace(/_/g, " ");
}

function reverseCell(reverse) {
  if (!reverse) return el("span", { class: "an-muted", text: "—" });
  const names = reverse.names || [];
  const status = reverse.ptr && reverse.ptr.status;
  if (!names.length) return el("span", {}, chip("fail", "no PTR"), status && status !== "ok" ? ` (${statusWords(status)})` : "");
  return el("span", {}, names.join(", "));
}

function fcrdnsCell(reverse) {
  if (!reverse || !(reverse.names || []).length) return el("span", { class: "an-muted", text: "—" });
  return (reverse.confirmed_by || []).length ? chip("pass", "confirmed") : chip("warn", "does not match");
}

function renderMx(part, detail) {
  const hosts = detail && Array.isArray(detail.hosts) ? detail.hosts : [];
  const rows = hosts.flatMap((host) => {
    const addresses = host.addresses && host.addresses.length ? host.addresses : [null];
    return addresses.map((address, index) => ({
      host, address, first: index === 0,
      reverse: (host.reverse || []).find((item) => item.address === address) || null,
    }));
  });
  // PTR and FCrDNS passes are in the table; anything short of a pass stays as a card.
  const cards = part.checks.filter((check) => !(/^mx\.(ptr|fcrdns)_ok$/.test(check.reason)));
  return [
    detail && detail.null_mx ? note("Null MX (RFC 7505): this domain says it accepts no mail.", "an-note") : null,
    rows.length ? table("Mail servers (MX), lowest preference first", [
      { label: "Preference", cell: (row) => (row.first ? String(row.host.preference) : "") },
      { label: "Host", cell: (row) => (row.first ? code(row.host.host) : "") },
      { label: "IP address", cell: (row) => (row.address ? code(row.address) : chip("fail", "no address")) },
      { label: "Reverse DNS (PTR)", cell: (row) => reverseCell(row.reverse) },
      { label: "Forward-confirmed", cell: (row) => fcrdnsCell(row.reverse) },
    ], rows, (row) => ({ "data-host": row.host.host })) : null,
    plainChecks(cards),
  ];
}

// ---------------------------------------------------------------- SPF

function renderSpfTree(nodes) {
  return el("ul", { class: "an-spf-tree" }, nodes.map((node) => el("li", { class: "an-spf-node", "data-domain": node.domain },
    el("div", { class: "an-spf-head" },
      el("strong", { text: node.domain }),
      node.via && node.via !== "root" ? el("span", { class: "an-muted", text: ` via ${node.via}` }) : null,
      el("span", { class: "an-count", "data-lookups": String(node.lookups_here) },
        `${node.lookups_here} lookup${node.lookups_here === 1 ? "" : "s"} here`),
      node.children && node.children.length
        ? el("span", { class: "an-count an-count--sub", text: `${node.lookups_cumulative} with everything below` }) : null,
      node.void_here ? el("span", { class: "an-count an-count--warn", text: `${node.void_here} void` }) : null),
    node.record ? el("div", {}, code(node.record))
      : (node.errors || []).length ? null : el("div", { class: "an-spf-error", text: "No SPF record found here." }),
    (node.void_names || []).length ? el("div", { class: "an-muted", text: `Names with no answer: ${node.void_names.join(", ")}` }) : null,
    (node.errors || []).map((error) => el("div", { class: "an-spf-error" },
      typeof error === "string" ? (FAILED_QUERY.test(error) ? notCheckedWords(error) : error) : [error.what, error.where ? ` (${error.where})` : "", error.fix ? ` ${error.fix}` : ""].join(""))),
    (node.notes || []).map((text) => el("div", { class: "an-muted", text })),
    node.children && node.children.length ? renderSpfTree(node.children) : null)));
}

// `incomplete`: a lookup failed, so the count may be short; never "within the limit" from it.
function limitChip(used, limit, incomplete) {
  if (used > limit) return chip("fail", "over the limit");
  if (incomplete) return chip("error", "not fully counted");
  if (used >= limit - 1 && limit > 2) return chip("warn", "close to the limit");
  if (used >= limit) return chip("warn", "at the limit");
  return chip("pass", "within the limit");
}

function renderSpf(part, detail) {
  const total = detail && typeof detail.total_lookups === "number" ? detail.total_lookups : null;
  const voids = detail && typeof detail.void_lookups === "number" ? detail.void_lookups : null;
  const incomplete = part.checks.some((check) => check.verdict === "error");
  return [
    detail && detail.tree && detail.tree.record ? el("p", { class: "an-record" }, "Record: ", code(detail.tree.record)) : null,
    total !== null ? el("div", { class: "an-totals" },
      el("p", { class: "an-total", "data-total": "lookups" }, el("strong", { text: "DNS lookups: " }),
        `${total} of ${SPF_LOOKUP_LIMIT} allowed `, limitChip(total, SPF_LOOKUP_LIMIT, incomplete)),
      el("p", { class: "an-total", "data-total": "void" }, el("strong", { text: "Void lookups (no answer): " }),
        `${voids ?? 0} of ${SPF_VOID_LIMIT} allowed `, limitChip(voids ?? 0, SPF_VOID_LIMIT, incomplete))) : null,
    plainChecks(part.checks),
    detail && detail.tree ? el("div", { class: "an-spf" },
      el("h4", { text: "Include tree: DNS lookups per record" }),
      note("include, a, mx, ptr, exists and redirect each cost one lookup; ip4, ip6 and all cost none.", "an-note an-muted"),
      renderSpfTree([detail.tree])) : null,
  ];
}

// ---------------------------------------------------------------- DKIM

const SELECTOR_FAILED = new Set(["dns_error", "error"]);

function renderDkim(part, detail) {
  const named = detail && Array.isArray(detail.named) ? detail.named : [];
  const probed = detail && Array.isArray(detail.probed) ? detail.probed : [];
  // A guessed selector whose lookup failed is neither found nor missing: counted once, not one row each.
  const found = probed.filter((item) => item.status !== "not_found" && !SELECTOR_FAILED.has(item.status));
  const failed = probed.filter((item) => SELECTOR_FAILED.has(item.status));
  const rows = [...named, ...found];
  const tried = probed.length;
  const perSelector = new Set([...named, ...probed].map((row) => `DKIM key ${row.selector}`));
  return [
    rows.length ? table("DKIM selectors", [
      { label: "Selector", cell: (row) => code(row.selector) },
      { label: "Looked up", cell: (row) => code(row.query_name) },
      { label: "Key", cell: (row) => (row.key ? `${String(row.key.key_type || "").toUpperCase()} ${row.key.bits ? `${row.key.bits}-bit` : ""}`.trim() : null) },
      { label: "Result", cell: (row) => chip(row.verdict, statusWords(row.status)) },
      { label: "What it means", cell: (row) => (SELECTOR_FAILED.has(row.status)
        ? `Not checked: ${dnsFailureWords(row.dns_error || row.explanation)}.` : row.explanation) },
    ], rows, (row) => ({ "data-selector": row.selector })) : null,
    tried ? note(`${tried} common selector names were also tried`
      + (failed.length === tried ? ", but none could be looked up" : `${found.length ? `; ${found.length} found` : ", none found"}`
        + (failed.length ? `; ${failed.length} could not be looked up` : ""))
      + (failed.length ? ` (${dnsFailureWords(failed[0].dns_error || failed[0].explanation)}).` : "."), "an-note an-muted") : null,
    plainChecks(part.checks.filter((check) => !perSelector.has(check.name))),
  ];
}

// ---------------------------------------------------------------- DMARC

function renderDmarc(part, detail) {
  const discovery = detail && detail.discovery ? detail.discovery : null;
  const record = detail && detail.record ? detail.record : null;
  const methods = discovery ? [discovery.rfc7489, discovery.rfc9989].filter(Boolean) : [];
  const differences = discovery && Array.isArray(discovery.differences) ? discovery.differences : [];
  return [
    record ? el("p", { class: "an-record" }, "Record: ", code(record.raw)) : null,
    record ? facts([
      ["Policy (p=)", record.p],
      ["Subdomain policy (sp=)", record.sp || `not set (same as p=${record.p})`],
      ["Applied to (pct=)", `${record.pct ?? 100}%`],
      ["DKIM alignment (adkim=)", record.adkim === "s" ? "strict" : "relaxed"],
      ["SPF alignment (aspf=)", record.aspf === "s" ? "strict" : "relaxed"],
      ["Aggregate reports (rua=)", (record.rua || []).map((item) => item.uri || item).join(", ") || "none"],
    ]) : null,
    plainChecks(part.checks),
    methods.length ? table("How the record was found, by both discovery methods", [
      { label: "Method", cell: (row) => (row.method === "rfc9989" ? "RFC 9989 (DNS tree walk)" : "RFC 7489 (public suffix list)") },
      { label: "Names queried", cell: (row) => (row.queried || []).join(", ") },
      { label: "Found at", cell: (row) => code(row.record_domain ? `_dmarc.${row.record_domain}` : null) },
      { label: "Organizational domain", cell: (row) => code(row.org_domain) },
      { label: "Result", cell: (row) => (row.status === "found" ? chip("pass", "found") : chip(row.error ? "error" : "fail", statusWords(row.status))) },
      { label: "Explanation", cell: (row) => (row.error ? `Not checked: ${dnsFailureWords(row.error)}.` : row.explanation) },
    ], methods, (row) => ({ "data-method": row.method })) : null,
    // A method whose lookup failed agrees or differs with nothing: no conclusion is drawn from it.
    discovery && !methods.some((row) => row.error) ? (differences.length
      ? el("div", { class: "an-note an-note--warn" }, el("strong", { text: "The two methods differ: " }),
        el("ul", {}, differences.map((text) => el("li", { text: typeof text === "string" ? text : JSON.stringify(text) }))))
      : note("Both discovery methods agree.", "an-note an-muted")) : null,
  ];
}

const TAILORED = { MX: renderMx, SPF: renderSpf, DKIM: renderDkim, DMARC: renderDmarc };

function renderPart(part) {
  const detail = part.detail && typeof part.detail === "object" ? part.detail : null;
  const tailored = TAILORED[part.name];
  const body = failedOnDns(part) ? note(notCheckedWords(part.checks[0].explanation), "an-note an-not-checked")
    : tailored ? tailored(part, detail) : [recordFacts(detail), plainChecks(part.checks)];
  const id = `an-part-${part.name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  return el("section", { class: "an-audit-section", "data-section": part.name, id },
    el("h3", {}, chip(worstVerdict(part.checks)), " ", part.name), body);
}

// `resolverDown`: not one DNS question got an answer (analyzer.js decides, and shows the notice on top).
export function renderDomain(result, { resolverDown = false } = {}) {
  const sections = Array.isArray(result.sections) ? result.sections : [];
  return el("div", { class: "an-view an-view--domain" },
    result.input_error ? renderError(result.input_error) : null,
    resolverDown && sections.length ? notCheckedSummary(sections) : [
      sections.length ? renderOverview(sections) : null,
      sections.map(renderPart)],
    technicalDetails(result));
}

// ---------------------------------------------------------------- IP

const LISTING = {
  listed: ["fail", "Listed"],
  not_listed: ["pass", "Not listed"],
  failed: ["error", "Could not check"],
  unusable: ["error", "Could not check"],
};

// The catalog entries a listing leads to: Barracuda's own bounce, else the general "client IP blocklisted".
const LISTED_ENTRY = "554-5-7-1-client-ip-blocklisted";
const ENTRY_FOR_LIST = { barracuda: "554-5-7-1-barracuda-reputation-blocked" };

// The verdict first: listed on N lists, not listed, or could not check (never a listing by omission).
export function ipVerdict(blocklists) {
  const asked = blocklists.filter((row) => row.listing !== "skipped");
  const listed = asked.filter((row) => row.listing === "listed");
  const unknown = asked.filter((row) => row.listing === "failed" || row.listing === "unusable");
  const names = (rows) => rows.map((row) => row.blocklist_name).join(", ");
  // Each list named with its own removal or lookup page (https only), so the verdict works on its own.
  const linked = (rows) => rows.map((row, index) => [index ? ", " : "", row.blocklist_name,
    siteLink(row.lookup_url) ? [" (", el("a", { href: siteLink(row.lookup_url), class: "an-list-link",
      text: row.listing === "listed" ? "removal request" : "web lookup" }), ")"] : null]);
  let verdict;
  let headline;
  let detail;
  if (listed.length) {
    verdict = "fail";
    headline = `Listed on ${listed.length} blocklist${listed.length === 1 ? "" : "s"}`;
    detail = [linked(listed), `. Receivers that use ${listed.length === 1 ? "this list" : "these lists"} refuse mail from this address: `
      + "fix the cause (an infected machine, a compromised account, a form that sends spam), then ask each list for removal.",
    unknown.length ? ` Could not check: ${names(unknown)}.` : ""];
  } else if (unknown.length) {
    verdict = "error";
    headline = asked.length === unknown.length ? "Could not check" : `Not listed on ${asked.length - unknown.length}, could not check ${unknown.length}`;
    detail = ["No usable answer from ", linked(unknown), ". That is not a listing: public DNS resolvers are often refused. "
      + "Try your own resolver, or the list's web lookup."];
  } else if (asked.length) {
    verdict = "pass";
    headline = "Not listed";
    detail = [`Not on any of the ${asked.length} blocklists checked (${names(asked)}).`];
  } else {
    return null;
  }
  const entry = listed.length === 1 && ENTRY_FOR_LIST[listed[0].blocklist_id] ? ENTRY_FOR_LIST[listed[0].blocklist_id] : LISTED_ENTRY;
  return el("div", { class: `an-summary an-summary--${verdict} an-ip-verdict`, role: "group", "aria-label": "Verdict", "data-verdict": verdict },
    el("p", { class: "an-summary__head" }, chip(verdict, verdict === "error" ? "Could not check" : undefined), el("strong", { text: headline })),
    el("p", {}, detail),
    listed.length ? el("p", {}, "The bounce this causes: ", safeLink(entry, entry === LISTED_ENTRY
      ? "554 5.7.1 Client host blocked using a blocklist (Spamhaus, DNSBL)" : "554 5.7.1 Client host blocked using Barracuda Reputation (BRBL)")) : null);
}

function listLink(row) {
  const href = siteLink(row.lookup_url);
  if (!href) return null;
  return el("a", { href, class: "an-list-link", text: row.listing === "listed" ? "Removal request" : "Look it up" });
}

// No DNS answer at all: what was not checked in one line, and each list's own web lookup (no DNS needed).
function ipNotChecked(result, blocklists) {
  const asked = blocklists.filter((row) => row.listing !== "skipped");
  const lookups = asked.filter((row) => siteLink(row.lookup_url));
  return el("div", { class: "an-note an-not-checked", "data-not-checked": "ip" },
    el("p", {}, el("strong", { text: "Not checked: " }),
      [result.reverse ? "the reverse DNS (PTR)" : null,
        asked.length ? `${asked.length} blocklist${asked.length === 1 ? "" : "s"} (${asked.map((row) => row.blocklist_name).join(", ")})` : null]
        .filter(Boolean).join(" and "), ". That is not a listing."),
    lookups.length ? el("p", {}, "Each list's web lookup works without this resolver: ",
      lookups.map((row, index) => [index ? ", " : "", el("a", { href: siteLink(row.lookup_url), class: "an-list-link", text: row.blocklist_name })]), ".") : null);
}

// `resolverDown`: not one DNS question got an answer (analyzer.js decides, and shows the notice on top).
export function renderIp(result, { resolverDown = false } = {}) {
  const checks = Array.isArray(result.checks) ? result.checks : [];
  const blocklists = Array.isArray(result.blocklists) ? result.blocklists : [];
  const reverse = result.reverse || null;
  const byName = new Map(checks.map((check) => [check.name, check]));
  const listChecks = new Set(blocklists.map((row) => byName.get(`Blocklist: ${row.blocklist_name}`)).filter(Boolean));
  const forward = reverse && Array.isArray(reverse.forward) ? reverse.forward : [];
  const about = [
    facts([
      ["Address", code(result.address)],
      ["Version", result.version ? `IPv${result.version}` : null],
      ["Address range", result.scope || null],
    ]),
    result.scope && result.scope !== "global"
      ? note(`This is a ${result.scope} address, not one on the public internet; receivers never see mail from it directly.`, "an-note an-note--warn")
      : null,
  ];
  if (resolverDown && !result.input_error) {
    return el("div", { class: "an-view an-view--ip" }, ipNotChecked(result, blocklists), about, technicalDetails(result));
  }
  return el("div", { class: "an-view an-view--ip" },
    result.input_error ? renderError(result.input_error) : null,
    ipVerdict(blocklists),
    about,
    reverse ? section("Reverse DNS", "reverse",
      facts([
        ["PTR query", code(reverse.reverse_name)],
        ["Answer", reverse.ptr ? (reverse.ptr.status === "ok" ? (reverse.names || []).join(", ")
          : ["nxdomain", "nodata"].includes(reverse.ptr.status) ? `none (${statusWords(reverse.ptr.status)})` : statusWords(reverse.ptr.status)) : null],
        ["Forward lookups", forward.length
          ? forward.map((answer) => `${answer.rtype} ${answer.name} → ${(answer.records || []).join(", ") || statusWords(answer.status)}`).join("; ")
          : null],
        ["Forward-confirmed (FCrDNS)", (reverse.names || []).length ? ((reverse.confirmed_by || []).length ? chip("pass", "yes") : chip("fail", "no")) : null],
      ])) : null,
    plainChecks(checks.filter((check) => !listChecks.has(check))),
    blocklists.length ? section("Blocklists (DNSBL)", "blocklists", table(null, [
      { label: "Blocklist", cell: (row) => row.blocklist_name },
      { label: "Removal or lookup", cell: (row) => listLink(row) },
      { label: "Query", cell: (row) => code(row.query) },
      { label: "Result", cell: (row) => chip(...(LISTING[row.listing] || ["info", row.listing])) },
      { label: "Return codes", cell: (row) => (row.codes || []).join(", ") || null },
      {
        label: "What it means",
        cell: (row) => {
          const check = byName.get(`Blocklist: ${row.blocklist_name}`);
          return check ? plainCheck(check).explanation : (row.meanings || []).join("; ") || null;
        },
      },
    ], blocklists, (row) => ({ "data-list": row.blocklist_id, "data-listing": row.listing })),
    note("\"Could not check\" is not a listing: the list did not give a usable answer (often because public "
      + "DNS resolvers are refused). Check it again through your own resolver or the list's web lookup.", "an-note an-muted"))
      : null,
    technicalDetails(result));
}
