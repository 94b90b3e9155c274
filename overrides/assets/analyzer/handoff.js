// The home page's "Paste your bounce" box: hand the text to /analyzer/ inside this browser tab only.
// sessionStorage (or, if storage is off, the URL fragment, which browsers never send) carries it; the
// textarea has no name, so even without this script the form submits nothing to the server.

const HANDOFF_KEY = "smtp-analyzer:handoff";
const form = document.getElementById("se-handoff");

if (form) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = document.getElementById("se-handoff-text").value;
    const target = new URL(form.getAttribute("action"), location.href);
    target.search = "";
    if (text.trim()) {
      try {
        sessionStorage.setItem(HANDOFF_KEY, text);
      } catch {
        target.hash = `bounce=${encodeURIComponent(text)}`;
      }
    }
    location.assign(target.href);
  });
}
