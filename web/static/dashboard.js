// The leaders' dashboard fetches its figures again every data-refresh-seconds and puts
// them in place; without the script the page shows them as of its loading.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("dashboard-figures");
  if (!box) return;
  const seconds = Math.max(1, Number(box.dataset.refreshSeconds) || 60);
  let busy = false;
  const refresh = async () => {
    if (busy || document.hidden) return;
    busy = true;
    try {
      const answer = await fetch(box.dataset.refreshUrl, {
        credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" },
      });
      // a redirect means the session ended (to the sign-in page): keep what is shown
      if (answer.ok && !answer.redirected) {
        box.innerHTML = await answer.text();
        box.dataset.refreshedAt = String(Date.now());
      }
    } catch (e) {
      // offline for a moment: the next round tries again
    } finally {
      busy = false;
    }
  };
  setInterval(refresh, seconds * 1000);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
});
