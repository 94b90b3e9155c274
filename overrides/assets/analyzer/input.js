// Reading what the reader typed or pasted: which tab a text belongs to, and the domain in a field that
// may hold a web address or an email address. Pure functions, no DOM.

// A delivery report (RFC 3464) or the notice a mail server writes when it gives up.
const DSN_MARKERS = /report-type="?delivery-status|^Diagnostic-Code:|^Final-Recipient:|^Action:\s*failed|^From:.*(MAILER-DAEMON|Mail Delivery (Subsystem|System))/im;
// An SMTP reply with an enhanced status code (550 5.7.26, 550-5.7.1), or the usual bounce wording.
const BOUNCE_WORDS = /(^|\s)[45]\d\d[ -][245]\.\d{1,3}\.\d{1,3}\b|Delivery Status Notification|Undeliver(ed|able)|Mail Delivery (Subsystem|System|Failed)|could not be delivered|delivery (has )?failed|Returned mail/i;
const HEADER_NAMES = /^(Received|DKIM-Signature|Authentication-Results|ARC-Seal|ARC-Message-Signature|Received-SPF|Return-Path|Message-ID|From|To|Subject|Date|MIME-Version):/gim;

export function looksLikeHeaders(text) {
  return (String(text).match(HEADER_NAMES) || []).length >= 2;
}

export function looksLikeBounce(text) {
  return DSN_MARKERS.test(text) || BOUNCE_WORDS.test(text);
}

// The tab a text pasted into `kind` belongs in, or null when it is where it belongs (or unclear).
export function suggestTab(kind, text) {
  const value = String(text || "");
  if (!value.trim()) return null;
  if (kind === "headers" && (DSN_MARKERS.test(value) || (BOUNCE_WORDS.test(value) && !looksLikeHeaders(value)))) return "bounce";
  if (kind === "bounce" && looksLikeHeaders(value) && !looksLikeBounce(value)) return "headers";
  return null;
}

// "https://www.example.com/path", "Ann <ann@example.com>", "example.com." -> the domain; else the input.
export function domainFrom(value) {
  let text = String(value || "").trim();
  if (!text) return "";
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    try {
      return new URL(text).hostname.replace(/\.$/, "");
    } catch {
      return text;
    }
  }
  const mail = /[^\s<>@"]+@([^\s<>@"]+)/.exec(text.replace(/^mailto:/i, ""));
  if (mail) text = mail[1];
  text = text.replace(/[>)\]]+$/, "").split(/[/?#]/)[0];
  if (/^[^:]+:\d+$/.test(text)) text = text.replace(/:\d+$/, "");
  return text.replace(/\.$/, "");
}
