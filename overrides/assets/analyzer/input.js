// Reading what the reader typed or pasted: which tab a text belongs to, and the domain in a field that
// may hold a web address or an email address. Pure functions, no DOM.

// A delivery report (RFC 3464) or the notice a mail server writes when it gives up.
const DSN_MARKERS = /report-type="?delivery-status|^Diagnostic-Code:|^Final-Recipient:|^Action:\s*failed|^From:.*(MAILER-DAEMON|Mail Delivery (Subsystem|System))/im;
// An SMTP reply with an enhanced status code (550 5.7.26, 550-5.7.1, '550 5.1.10 in Exchange's "Remote
// Server returned" line), or the usual bounce wording.
const BOUNCE_WORDS = /(^|[\s'"(])[45]\d\d[ -][245]\.\d{1,3}\.\d{1,3}\b|Delivery Status Notification|Undeliver(ed|able)|Mail Delivery (Subsystem|System|Failed)|could not be delivered|delivery (has )?failed|Returned mail|did not reach the following recipient|no such user/i;
// The notice's own header block (before its first blank line; what follows may quote the original
// message's headers): sent by a postmaster or mailer daemon, or titled as servers title their notices.
// A null Return-Path is how RFC 5321 (section 4.5.5) says notices are sent.
const NOTICE_SENDER = /^From:.*\b(postmaster|post_master|mailer-daemon|MAILER_DAEMON)\b|^Return-Path:\s*<>/im;
const NOTICE_SUBJECT = /^Subject:\s*(Undeliver|Undelivered Mail|Returned mail|Mail System Error|DELIVERY FAILURE|failure notice|Delivery Status Notification|Mail delivery failed|Delivery Failure|Non-?delivery|Delivery Notification|Mail could not be delivered|Message delivery has failed)/im;
const NOTICE_REPORT = /^Content-Type:\s*multipart\/report/im;

const HEADER_NAMES = /^(Received|DKIM-Signature|Authentication-Results|ARC-Seal|ARC-Message-Signature|Received-SPF|Return-Path|Message-ID|From|To|Subject|Date|MIME-Version):/gim;

export function looksLikeHeaders(text) {
  return (String(text).match(HEADER_NAMES) || []).length >= 2;
}

export function looksLikeBounce(text) {
  return DSN_MARKERS.test(text) || BOUNCE_WORDS.test(text);
}

// True when the first header block is a mail server's notice about mail it could not deliver.
function headedAsNotice(text) {
  const head = String(text).split(/\r?\n\s*\r?\n/, 1)[0];
  return NOTICE_REPORT.test(head) || NOTICE_SUBJECT.test(head) || (NOTICE_SENDER.test(head) && BOUNCE_WORDS.test(text));
}

// The tab a text pasted into `kind` belongs in, or null when it is where it belongs (or unclear).
export function suggestTab(kind, text) {
  const value = String(text || "");
  if (!value.trim()) return null;
  if (kind === "headers" && (DSN_MARKERS.test(value) || headedAsNotice(value) || (BOUNCE_WORDS.test(value) && !looksLikeHeaders(value)))) return "bounce";
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
