// Three follow-up views: the bulk-sender rules of Gmail, Yahoo and Outlook.com for a pasted message
// (sender_requirements_json), the next safe DMARC record (dmarc_next_step_json) and the way to bring an
// SPF record under 10 DNS lookups (spf_reduction_json). Pure builders: data in, nodes out.

import { chip, code, el, note, renderChecks, renderError, safeLink, siteLink, table } from "./dom.js";

// ---------------------------------------------------------------- copy button

export function copyRecordButton(text, label = "Copy record") {
  const button = el("button", { type: "button", class: "md-button an-small", "data-action": "copy-record", text: label });
  button.addEventListener("click", async () => {
    button.dataset.copied = text;
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = "Copied";
    } catch {
      button.textContent = "Copy failed: select the record and press Ctrl+C";
    }
    setTimeout(() => { button.textContent = label; }, 2000);
  });
  return button;
}

function recordBlock(label, record, withCopy) {
  return el("div", { class: "an-proposed" },
    el("p", { class: "an-proposed__label" }, el("strong", { text: label })),
    el("pre", { class: "an-proposed__record" }, el("code", { text: record })),
    withCopy ? copyRecordButton(record) : null);
}

// ---------------------------------------------------------------- sender rules

const OUTCOME = {
  met: ["pass", "Met"],
  not_met: ["fail", "Not met"],
  could_not_check: ["error", "Could not check"],
  not_stated: [null, "Not stated"],
};

function outcomeChip(outcome, verdict) {
  const [colour, words] = OUTCOME[outcome] || ["info", String(outcome || "—")];
  if (!colour) return el("span", { class: "an-muted an-not-stated", text: words });
  // A recommended rule that is not met is a warning, not a failure: the row's verdict says which.
  return chip(outcome === "not_met" && verdict ? verdict : colour === "error" && verdict === "info" ? "info" : colour, words);
}

// The side-by-side table; on a phone (analyzer.css, .an-matrix) each rule becomes one compact row: its
// name, then the three providers' badges under their names, instead of a card of four labelled lines.
function matrixTable(columns, matrix) {
  const wrap = table("Side by side: each provider's rules for this message", columns, matrix, (row) => ({ "data-rule": row.rule }));
  wrap.id = "an-rules-matrix";
  wrap.querySelector("table").classList.add("an-matrix");
  return wrap;
}

export function renderSenderRules(result) {
  const providers = Array.isArray(result.providers) ? result.providers : [];
  const matrix = Array.isArray(result.matrix) ? result.matrix : [];
  const rowsFor = (provider, rule) => ((providers.find((p) => p.provider === provider) || {}).rows || []).filter((row) => row.rule === rule);
  const columns = [{ label: "Rule", cell: (row) => row.name }].concat(providers.map((provider) => ({
    label: provider.name,
    cell: (row) => {
      const outcome = row.cells ? row.cells[provider.provider] : null;
      const found = rowsFor(provider.provider, row.rule)[0];
      const href = found && siteLink(found.source_url);
      return el("span", { class: "an-cell", "data-provider": provider.provider, "data-outcome": outcome || "" },
        outcomeChip(outcome, found && found.verdict),
        href ? [" ", el("a", { href, class: "an-source", "aria-label": `${provider.name}'s page for "${row.name}"`, text: "page" })] : null);
    },
  })));
  return el("div", { class: "an-view an-view--rules" },
    result.input_error ? renderError(result.input_error) : null,
    el("ul", { class: "an-rules-lead" }, providers.map((provider) => el("li", { "data-provider": provider.provider },
      chip(provider.verdict, provider.verdict === "pass" ? "All checkable rules met" : undefined), " ",
      el("strong", {}, safeLink((provider.pages || [])[0], provider.name)), " ",
      provider.summary.replace(new RegExp(`^${provider.name}:\\s*`), "")))),
    note(`From domain: ${result.from_domain || "unknown"}; connecting IP: ${result.connecting_ip || "unknown"}. `
      + "\"Not stated\" means the provider has no such rule; \"Could not check\" means a message alone cannot show it.",
    "an-note an-muted"),
    matrix.length ? matrixTable(columns, matrix) : null,
    providers.map((provider) => el("details", { class: "an-details an-provider", "data-provider": provider.provider },
      el("summary", { text: `${provider.name}: every rule, with the reason` }),
      el("p", { class: "an-muted", text: `Bulk sender: ${provider.bulk_threshold}` }),
      table(null, [
        { label: "Rule", cell: (row) => row.name },
        { label: "Applies to", cell: (row) => `${row.applies_to === "bulk" ? "bulk senders" : "all senders"}, ${row.level}` },
        { label: "Result", cell: (row) => outcomeChip(row.outcome, row.verdict) },
        { label: "Why", class: "an-wide", cell: (row) => row.explanation },
        { label: "Source", cell: (row) => (siteLink(row.source_url) ? safeLink(row.source_url, "provider page") : null) },
      ], provider.rows || [], (row) => ({ "data-rule": row.rule, "data-outcome": row.outcome })))));
}

// ---------------------------------------------------------------- DMARC next step

export function renderDmarcNextStep(result) {
  const warnings = Array.isArray(result.warnings) ? result.warnings : [];
  const watch = Array.isArray(result.watch) ? result.watch : [];
  if (result.stage === "lookup_failed") {
    // Nothing is known about the record: neither "none is published" nor "nothing to change".
    return el("section", { class: "an-block an-plan", "data-block": "dmarc-next", "data-stage": result.stage },
      el("h3", { text: "DMARC: the next safe step toward p=reject" }),
      note(`Not checked: the DMARC record of ${result.domain} could not be looked up, so no next step is proposed. Run the check again.`,
        "an-note an-note--warn"));
  }
  return el("section", { class: "an-block an-plan", "data-block": "dmarc-next", "data-stage": result.stage || "" },
    el("h3", { text: "DMARC: the next safe step toward p=reject" }),
    result.current_record ? el("p", { class: "an-record" }, "Now: ", code(result.current_record))
      : el("p", { class: "an-muted", text: `No DMARC record is published for ${result.domain}.` }),
    el("p", { class: "an-lead", text: result.explanation || "" }),
    result.proposed_record ? recordBlock(`Publish at _dmarc.${result.record_domain || result.domain} (TXT):`, result.proposed_record, true)
      : note("Nothing to change now.", "an-note"),
    watch.length ? [el("h4", { text: "Before the step after, watch in the aggregate reports" }),
      el("ul", { class: "an-watch" }, watch.map((text) => el("li", { text })))] : null,
    renderChecks(warnings));
}

// ---------------------------------------------------------------- SPF reduction

const ACTION_WORDS = {
  remove_ptr: "Drop",
  remove_duplicate: "Drop",
  remove_dead_include: "Drop",
  replace_with_ips: "Replace",
  flatten_include: "Replace",
};

export function renderSpfReduction(result) {
  const steps = Array.isArray(result.steps) ? result.steps : [];
  const costs = Array.isArray(result.costs) ? result.costs : [];
  const limit = result.limit || 10;
  const overBefore = result.lookups > limit;
  return el("section", { class: "an-block an-plan", "data-block": "spf-reduce", "data-reason": result.reason || "" },
    el("h3", { text: `SPF: ${overBefore ? `getting under ${limit} lookups` : "DNS lookups"}` }),
    result.record ? el("p", { class: "an-record" }, "Now: ", code(result.record)) : null,
    el("p", { class: "an-total" }, el("strong", { text: `${result.incomplete ? "at least " : ""}${result.lookups} of ${limit} lookups ` }),
      overBefore ? chip("fail", "over the limit: receivers answer permerror")
        : result.incomplete ? chip("error", "not fully counted") : chip("pass", "within the limit")),
    el("p", { class: "an-lead", text: result.explanation || "" }),
    steps.length ? el("ol", { class: "an-steps" }, steps.map((step) => el("li", { "data-action": step.action },
      el("strong", { text: `${ACTION_WORDS[step.action] || "Change"} ` }), code(step.term),
      step.replacement && step.replacement.length ? [" with ", code(step.replacement.join(" "))] : null,
      ` (saves ${step.saves} lookup${step.saves === 1 ? "" : "s"}). `, step.explanation))) : null,
    result.proposed_record && steps.length ? [
      recordBlock(`After these steps: ${result.proposed_lookups} of ${limit} lookups`, result.proposed_record, true),
      result.under_limit_after === false ? note("Still over the limit: the rest is for you to decide (move a sender to a subdomain, drop a service you no longer use).", "an-note an-note--warn") : null,
    ] : null,
    (result.notes || []).map((text) => note(text, "an-note an-muted")),
    costs.length ? el("details", { class: "an-details" }, el("summary", { text: "Lookups per term, costliest first" }),
      table(null, [
        { label: "Term", cell: (cost) => code(cost.term) },
        { label: "Lookups", cell: (cost) => String(cost.lookups) },
        { label: "Includes below", cell: (cost) => (cost.nested_includes || []).join(", ") || null },
        { label: "Note", cell: (cost) => cost.note || (cost.flattenable ? "only address ranges below: can be written out" : null) },
      ], costs)) : null);
}
