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
  // A part of a form that applies only under a condition (the form's if/then rules)
  // is shown while it applies; hidden, its inputs are disabled, so nothing in it is sent.
  const parts = Array.from(document.querySelectorAll("[data-show-when]")).map((part) => {
    const form = part.closest("form");
    const controls = form ? Array.from(form.elements).filter((el) => el.name === part.dataset.showWhen
      && (el.tagName === "SELECT" || (el.tagName === "INPUT" && el.type !== "hidden"))) : [];
    return { part, controls, wanted: part.dataset.showValues.split(" ") };
  }).filter((p) => p.controls.length > 0);
  const value = (el) => (el.type === "checkbox" ? String(el.checked)
    : el.type === "radio" ? (el.checked ? el.value : null) : el.value);
  const refresh = () => {
    // Document order: an enclosing part is settled before the parts inside it.
    parts.forEach(({ part, controls, wanted }) => {
      const enclosing = part.parentElement.closest("[data-show-when]");
      const applies = !(enclosing && enclosing.hidden)
        && controls.map(value).some((v) => v !== null && wanted.includes(v));
      part.hidden = !applies;
      part.querySelectorAll("input, select, textarea").forEach((el) => { el.disabled = !applies; });
    });
  };
  parts.forEach(({ controls }) => controls.forEach((el) => el.addEventListener("change", refresh)));
  refresh();
  // A date typed as 08031995 or 8-3-1995 (a phone's number pad has no slash) reads
  // 08/03/1995 once the field is left; the server understands all of them anyway.
  document.querySelectorAll("input.date").forEach((input) => {
    input.addEventListener("blur", () => {
      const typed = input.value.trim().match(/^(\d{1,2})\D+(\d{1,2})\D+(\d{4})$/)
        || input.value.trim().match(/^(\d{2})(\d{2})(\d{4})$/);
      if (typed) input.value = `${typed[1].padStart(2, "0")}/${typed[2].padStart(2, "0")}/${typed[3]}`;
    });
  });
  document.querySelectorAll("[data-back]").forEach((a) => {
    a.addEventListener("click", (e) => { e.preventDefault(); history.back(); });
  });
  // A value the page filled in from the dossier is the officer's own once changed:
  // its note ("Điền sẵn từ hồ sơ") goes.
  document.querySelectorAll(".field .prefilled").forEach((note) => {
    const field = note.closest(".field");
    const drop = () => note.remove();
    field.addEventListener("input", drop, { once: true });
    field.addEventListener("change", drop, { once: true });
  });
  // Bulk actions: a box that ticks every box of its form named data-check-all, and a
  // button that waits until one of the boxes named data-needs-pick is ticked.
  document.querySelectorAll("[data-check-all]").forEach((all) => {
    const boxes = () => Array.from(all.form ? all.form.elements : [])
      .filter((el) => el.name === all.dataset.checkAll && el.type === "checkbox");
    all.addEventListener("change", () => {
      boxes().forEach((box) => { box.checked = all.checked; box.dispatchEvent(new Event("change")); });
    });
  });
  document.querySelectorAll("[data-needs-pick]").forEach((button) => {
    const boxes = Array.from(button.form ? button.form.elements : [])
      .filter((el) => el.name === button.dataset.needsPick && el.type === "checkbox");
    const refresh = () => { button.disabled = !boxes.some((box) => box.checked); };
    boxes.forEach((box) => box.addEventListener("change", refresh));
    refresh();
  });
  document.querySelectorAll("[data-print]").forEach((b) => {
    b.addEventListener("click", () => window.print());
  });
});
