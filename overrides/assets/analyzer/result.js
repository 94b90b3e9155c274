// The frame around every result: a heading that takes the focus, the actions (copy as text, download as
// JSON, copy a link for name-only checks), an optional notice, the view, and the timing line (shown only
// with "Technical details"). Also the rewrite of a result whose every DNS question failed in transport.

import { el } from "./dom.js";

// The cause is said once, in the notice at the top; each check only points to it.
const NOT_CHECKED = "Not checked: no DNS answer (see the notice at the top).";

function flash(button, text) {
  const label = button.dataset.label || button.textContent;
  button.dataset.label = label;
  button.textContent = text;
  setTimeout(() => { button.textContent = label; }, 2000);
}

function copyButton(label, getText, kind) {
  const button = el("button", { type: "button", class: "md-button an-small", "data-action": kind, text: label });
  button.addEventListener("click", async () => {
    const text = getText();
    button.dataset.copied = text;
    try {
      await navigator.clipboard.writeText(text);
      flash(button, "Copied");
    } catch {
      flash(button, "Copy failed: select the text and press Ctrl+C");
    }
  });
  return button;
}

export function resultFrame({ kind, title, subject, data, notice, body, elapsed, shareUrl }) {
  const content = el("div", { class: "an-result-body" }, body);
  const download = el("button", { type: "button", class: "md-button an-small", "data-action": "download", text: "Download JSON" });
  download.addEventListener("click", () => {
    const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
    const link = el("a", { href: URL.createObjectURL(blob), download: `smtp-analyzer-${kind}.json` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  });
  const heading = `${title}${subject ? `: ${subject}` : ""}`;
  return el("div", { class: "an-result-frame", "data-kind": kind },
    el("h2", { class: "an-result-title", tabindex: "-1", text: heading }),
    el("div", { class: "an-result-actions" },
      copyButton("Copy as text", () => `${heading}\n\n${(notice ? `${notice.innerText}\n\n` : "")}${content.innerText}`.trim(), "copy"),
      download,
      shareUrl ? copyButton("Copy link to this check", () => shareUrl, "share") : null),
    notice, content,
    el("p", { class: "an-muted an-elapsed an-tech", text: elapsed }));
}

// Every DNS question failed in transport (the resolver is down, blocked or mistyped): the per-check
// failures all say the same thing, so they are replaced by one plain "not checked" and the notice on top.
export function markResolverDown(result) {
  const walk = (value) => {
    if (Array.isArray(value)) return value.map(walk);
    if (!value || typeof value !== "object") return value;
    const copy = {};
    for (const [key, item] of Object.entries(value)) {
      if (key === "dns_error") continue;
      copy[key] = walk(item);
    }
    if (copy.verdict === "error" || copy.result === "temperror") {
      copy.explanation = NOT_CHECKED;
      delete copy.detail;
      delete copy.evidence;
    }
    if (Array.isArray(copy.errors) && copy.errors.length) copy.errors = [NOT_CHECKED];
    return copy;
  };
  return walk(result);
}
