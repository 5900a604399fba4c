// Progressive enhancement only: every page works without this script.
import { initAll } from "./govuk-frontend.min.js";

initAll();

// The GOV.UK timeout warning: shortly before the server ends an idle session, ask whether to stay signed in.
function minutesOrSeconds(seconds) {
  if (seconds >= 60) {
    const minutes = Math.ceil(seconds / 60);
    return `${minutes} ${minutes === 1 ? "minute" : "minutes"}`;
  }
  return `${seconds} ${seconds === 1 ? "second" : "seconds"}`;
}

function initTimeoutWarning(dialog) {
  if (typeof dialog.showModal !== "function") return;
  const warnBefore = Number(dialog.dataset.warnBefore) * 1000;
  const countdown = dialog.querySelector(".app-timeout-countdown");
  const announcement = dialog.querySelector("[data-timeout-announcement]");
  const form = dialog.querySelector("form");
  let expiresAt = 0;
  let warnTimer = null;
  let ticker = null;

  const secondsLeft = () => Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
  // Loading the page again lets the server say the session has ended (and why) on the sign-in page.
  const signedOut = () => window.location.assign(window.location.href);

  function warn() {
    countdown.textContent = minutesOrSeconds(secondsLeft());
    announcement.textContent = `We will sign you out in ${minutesOrSeconds(secondsLeft())}.`;
    if (!dialog.open) dialog.showModal();
    ticker = window.setInterval(() => {
      const left = secondsLeft();
      countdown.textContent = minutesOrSeconds(left);
      if (left % 60 === 0 && left > 0) announcement.textContent = `We will sign you out in ${minutesOrSeconds(left)}.`;
      if (left <= 0) {
        window.clearInterval(ticker);
        signedOut();
      }
    }, 1000);
  }

  function schedule(seconds) {
    window.clearTimeout(warnTimer);
    window.clearInterval(ticker);
    expiresAt = Date.now() + seconds * 1000;
    warnTimer = window.setTimeout(warn, Math.max(seconds * 1000 - warnBefore, 0));
  }

  async function staySignedIn(event) {
    event.preventDefault();
    try {
      const response = await fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin", headers: { Accept: "application/json" },
      });
      const body = response.ok ? await response.json() : null;
      if (!body || !body.expires_in) return signedOut();
      dialog.close();
      schedule(body.expires_in);
    } catch (error) {
      form.submit();  // the network failed: a plain form post still keeps the session alive
    }
  }

  form.addEventListener("submit", staySignedIn);
  // Escape means "stay signed in", as in the GOV.UK pattern, rather than leaving the countdown running unseen.
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    form.requestSubmit();
  });
  schedule(Number(dialog.dataset.expiresIn));
}

document.querySelectorAll("[data-module='app-timeout-warning']").forEach(initTimeoutWarning);
