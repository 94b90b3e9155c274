// The Bounce verdict: what to do first and who does it, with the entry it comes from. For a Microsoft 365
// NDR only the recipient server's own words (its "Remote server returned" line) are shown, not the whole
// notice; when no entry matches, what the status code itself says, with the closest general page.
// Shared by the analyzer page and the small forms on entry pages (embed.js).

import { el, safeLink } from "./dom.js";

// The same words as checker/pasted/bounce/analyze.py WHO_ACTS.
export const WHO_ACTS = {
  "sender-admin": "the sending side's mail administrator",
  "recipient-admin": "the recipient's mail administrator",
  sender: "the person who sent the message",
  nobody: "nobody yet: the sending server retries on its own",
};

const CODE_VERDICT = {
  permanent: "Permanent failure: sending the same message again will fail the same way until something is changed.",
  temporary: "Temporary failure: the sending server keeps retrying, and the message may still be delivered.",
  success: "Not a failure: this code reports success.",
  unknown: "The code's class is not one RFC 3463 defines.",
};

// Microsoft 365 / Exchange NDRs: "Remote server returned '550 5.1.10 RESOLVER...; ...'".
const REMOTE_RETURNED = /Remote server returned\s+(['"])([\s\S]*?)\1(?=\s|$)/i;

export function recipientWords(status) {
  const diagnostic = status && typeof status.diagnostic === "string" ? status.diagnostic : "";
  const found = REMOTE_RETURNED.exec(diagnostic);
  return found ? { text: found[2].replace(/\s+/g, " ").trim(), remote: true } : { text: diagnostic, remote: false };
}

function codeText(status) {
  return [status && status.reply_code, status && status.enhanced_status].filter(Boolean).join(" ");
}

// The recipient's explanation without its opening "First step (...): ..." sentence, which the verdict shows.
export function explanationAfterVerdict(recipient) {
  const text = String(recipient.explanation || "");
  const best = (recipient.matches || [])[0];
  if (!best && recipient.code) return ""; // the verdict already says what the code means
  if (!best || !best.first_step) return text;
  const who = WHO_ACTS[best.who_acts || ""];
  const line = who ? `First step (${who}): ${best.first_step}` : `First step: ${best.first_step}`;
  return text.startsWith(line) ? text.slice(line.length).trim() : text;
}

// The first lines of one recipient's result: always a verdict, never "no match" alone.
export function bounceVerdict(recipient) {
  const status = recipient.status || {};
  const best = (recipient.matches || [])[0];
  const words = recipientWords(status);
  const said = words.text
    ? el("p", { class: "an-said" }, el("strong", { text: words.remote ? "The recipient's server returned: " : "The server said: " }),
      el("code", { class: "an-mono an-long", text: words.text }))
    : null;
  if (best) {
    const who = WHO_ACTS[best.who_acts || ""];
    return el("div", { class: "an-lead-verdict", "data-verdict": "match", "data-entry-id": best.entry_id },
      best.first_step
        ? el("p", { class: "an-first-step" }, el("strong", { text: who ? `First step (${who}): ` : "First step: " }), best.first_step)
        : null,
      el("p", { class: "an-lead-entry" }, recipient.specific === false ? "General entry for this code: " : "What it is: ",
        safeLink(best.entry_id, best.title)),
      said);
  }
  const code = recipient.code;
  const codes = codeText(status);
  if (code) {
    return el("div", { class: "an-lead-verdict", "data-verdict": "code" },
      el("p", { class: "an-first-step" }, el("strong", { text: `${code.code || codes}: ` }),
        CODE_VERDICT[code.verdict] || CODE_VERDICT.unknown),
      el("p", { text: `No entry matches the server's exact words yet, so here is what the code itself says: ${code.explanation}` }),
      code.closest_entry
        ? el("p", { class: "an-lead-entry" }, "Closest general page: ", safeLink(code.closest_entry, code.closest_title || code.closest_entry))
        : null,
      said);
  }
  return el("div", { class: "an-lead-verdict", "data-verdict": "none" },
    el("p", { text: codes
      ? `The server answered ${codes}, but no catalog entry matches it. Paste more of the bounce, or search the site for the code.`
      : "No SMTP status code was found in this text, so it cannot be matched. Paste the line with the error (e.g. 550 5.7.26 …)." }),
    said);
}
