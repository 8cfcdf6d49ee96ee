// Progressive enhancement for the event page; everything works without it (CSS shows the
// source sentences on hover and focus). With it, pressing a source marker pins its sources
// open and Escape closes them again. No inline script: the page's CSP allows only this file.
"use strict";
document.documentElement.classList.replace("no-js", "js");

function setOpen(button, open) {
  const cite = button.closest(".cite");
  if (!cite) return;
  cite.classList.toggle("open", open);
  button.setAttribute("aria-expanded", open ? "true" : "false");
}

document.addEventListener("click", (event) => {
  const button = event.target.closest(".cite-toggle");
  if (button) {
    setOpen(button, button.getAttribute("aria-expanded") !== "true");
  }
});

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const cite = event.target.closest ? event.target.closest(".cite") : null;
  const open = cite ? [cite] : Array.from(document.querySelectorAll(".cite.open"));
  for (const item of open) {
    const button = item.querySelector(".cite-toggle");
    if (!button) continue;
    setOpen(button, false);
    if (cite) {
      button.focus();
      item.classList.add("dismissed"); // hide even though it keeps focus
    }
  }
});

document.addEventListener("focusout", (event) => {
  const cite = event.target.closest ? event.target.closest(".cite") : null;
  if (cite && !cite.contains(event.relatedTarget)) cite.classList.remove("dismissed");
});
