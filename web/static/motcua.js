// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // A form marked data-once can be sent once: a double click creates nothing twice
  // (the server refuses duplicates too).
  document.querySelectorAll("form[data-once]").forEach((form) => {
    form.addEventListener("submit", (e) => {
      // Disabled buttons are not sent: keep the clicked button's name and value.
      const clicked = e.submitter;
      if (clicked && clicked.name) {
        const keep = document.createElement("input");
        keep.type = "hidden";
        keep.name = clicked.name;
        keep.value = clicked.value;
        form.appendChild(keep);
      }
      form.querySelectorAll("button[type=submit], button:not([type])").forEach((b) => {
        b.disabled = true;
      });
    });
  });
  document.querySelectorAll("[data-back]").forEach((a) => {
    a.addEventListener("click", (e) => { e.preventDefault(); history.back(); });
  });
  document.querySelectorAll("[data-print]").forEach((b) => {
    b.addEventListener("click", () => window.print());
  });
});
