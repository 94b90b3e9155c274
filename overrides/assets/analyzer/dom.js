// Small DOM builders shared by the analyzer's views: elements, verdict chips, check cards, tables,
// error boxes. No state; every function returns a new node.

export const SITE_ROOT = new URL("../../", import.meta.url);

export function el(tag, attrs = {}, ...children) {
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

export function humanize(key) {
  const words = String(key).replace(/_/g, " ").trim().split(" ")
    .map((word) => (ACRONYMS.has(word.toLowerCase()) ? word.toUpperCase() : word)).join(" ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function siteLink(target) {
  // Catalog entry ids become /errors/<id>/ and paths stay on this site; an absolute address is kept only
  // when it is https: (null otherwise, and no link is drawn). Results never link javascript:, data: or http:.
  const value = String(target || "").trim();
  if (!value) return null;
  if (/^[a-z][a-z0-9+.-]*:/i.test(value)) {
    try {
      const url = new URL(value);
      return url.protocol === "https:" ? url.href : null;
    } catch {
      return null;
    }
  }
  if (value.startsWith("//")) return null;
  if (value.startsWith("/")) return new URL(value.slice(1), SITE_ROOT).href;
  return new URL(`errors/${encodeURIComponent(value)}/`, SITE_ROOT).href;
}

// A link from result data: an <a> when siteLink allows the address, else the words as plain text.
export function safeLink(target, text) {
  const href = siteLink(target);
  return href ? el("a", { href, text }) : el("span", { text });
}

export const VERDICT_WORDS = { pass: "Pass", fail: "Fail", warn: "Warning", info: "Info", error: "Could not check" };

// A chip always carries words, never colour alone; `label` overrides the default word for the verdict.
export function chip(verdict, label) {
  return el("span", { class: `an-verdict an-verdict--${verdict}`, text: label || VERDICT_WORDS[verdict] || verdict });
}

export function renderScalar(value) {
  if (value === null || value === undefined || value === "") return el("span", { class: "an-muted", text: "—" });
  if (typeof value === "boolean") return el("span", { text: value ? "yes" : "no" });
  return el("span", { class: typeof value === "string" && value.length > 60 ? "an-mono" : null, text: String(value) });
}

function evidenceValue(value) {
  if (value === null || ["string", "number", "boolean"].includes(typeof value)) return renderScalar(value);
  if (Array.isArray(value) && value.every((item) => item === null || typeof item !== "object")) {
    return value.length ? el("span", { text: value.join(", ") }) : el("span", { class: "an-muted", text: "none" });
  }
  return el("code", { class: "an-mono", text: JSON.stringify(value) });
}

export function renderEvidence(evidence) {
  const entries = Object.entries(evidence || {});
  if (!entries.length) return null;
  return el("details", { class: "an-evidence" },
    el("summary", { text: "Evidence" }),
    el("dl", {}, entries.map(([key, value]) => [el("dt", { text: humanize(key) }), el("dd", {}, evidenceValue(value))])));
}

export function renderCheck(check) {
  const fixes = check.evidence && Array.isArray(check.evidence.fixes) ? check.evidence.fixes : [];
  return el("li", { class: `an-check an-check--${check.verdict}`, "data-reason": check.reason },
    el("div", { class: "an-check__head" }, chip(check.verdict), el("strong", { text: check.name }),
      el("code", { class: "an-reason", text: check.reason })),
    el("p", { class: "an-explanation", text: check.explanation }),
    fixes.length ? el("div", { class: "an-fixes" }, el("strong", { text: "How to fix: " }),
      fixes.length === 1 ? fixes[0] : el("ul", {}, fixes.map((fix) => el("li", { text: fix })))) : null,
    check.link && siteLink(check.link) ? el("p", {}, safeLink(check.link, "Read more about this")) : null,
    renderEvidence(check.evidence));
}

export function renderChecks(checks) {
  return checks.length ? el("ul", { class: "an-checks" }, checks.map(renderCheck)) : null;
}

// A table from column specs [{label, cell(row) -> node|string}]; `rowAttrs(row)` adds attributes per row.
export function table(caption, columns, rows, rowAttrs = () => ({})) {
  // an-stack: on a phone each row becomes a small card, every cell labelled with its column.
  return el("div", { class: "an-table-wrap" }, el("table", { class: "an-table an-stack" },
    caption ? el("caption", { text: caption }) : null,
    el("thead", {}, el("tr", {}, columns.map((column) => el("th", { scope: "col", text: column.label })))),
    el("tbody", {}, rows.map((row) => el("tr", rowAttrs(row), columns.map((column) => {
      const value = column.cell(row);
      // Prose in a cell stays prose: renderScalar would set long strings in monospace.
      const content = value instanceof Node ? value : typeof value === "string" && value ? value : renderScalar(value);
      return el("td", { class: column.class || null, "data-label": column.label }, content);
    }))))));
}

export function code(text) {
  // Short names stay on one line; long ones (records, long host names) may wrap anywhere.
  if (!text) return renderScalar(null);
  return el("code", { class: String(text).length > 28 ? "an-mono an-long" : "an-mono", text });
}

export function facts(pairs) {
  const shown = pairs.filter(([, value]) => value !== undefined);
  return el("dl", { class: "an-facts" }, shown.map(([label, value]) => [
    el("dt", { text: label }), el("dd", {}, value instanceof Node ? value : renderScalar(value))]));
}

export function note(text, className = "an-note") {
  return el("p", { class: className, text });
}

export function section(title, key, ...children) {
  return el("section", { class: "an-block", "data-block": key }, el("h3", { text: title }), ...children);
}

export function renderError(error) {
  const info = error || {};
  return el("div", { class: "an-error", role: "alert" },
    el("p", {}, el("strong", { text: "Problem: " }), info.what || "Something went wrong."),
    info.where ? el("p", {}, el("strong", { text: "Where: " }), info.where) : null,
    info.fix ? el("p", {}, el("strong", { text: "How to fix: " }), info.fix) : null);
}

export function technicalDetails(value) {
  return el("details", { class: "an-details an-json" }, el("summary", { text: "Technical details (JSON)" }),
    el("pre", {}, el("code", { text: JSON.stringify(value, null, 2) })));
}

export function formatDelay(seconds) {
  if (typeof seconds !== "number") return "—";
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export function summaryBox(summary) {
  return el("div", { class: `an-summary an-summary--${summary.verdict}`, role: "group", "aria-label": "Summary" },
    el("p", { class: "an-summary__head" }, chip(summary.verdict), el("strong", { text: summary.headline })),
    summary.explanation ? el("p", { text: summary.explanation }) : null);
}

// A resolver the page may use: https anywhere, or plain http only on this machine (local tests).
export function usableResolverUrl(url) {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === "https:") return true;
    return parsed.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(parsed.hostname);
  } catch {
    return false;
  }
}
