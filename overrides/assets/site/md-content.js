// Material for MkDocs' inline content script (partials/javascripts/content.html, 9.x), as a file.
var target=document.getElementById(location.hash.slice(1));target&&target.name&&(target.checked=target.name.startsWith("__tabbed_"))
