// PDF downloads: a long build shows "Préparation du PDF… n/N pages" while the server renders, then downloads.
// Words come from the page (templates/printing/_pdf_progress.html), in its language.
import { pollJob } from "./poll-job.js";

const t = JSON.parse(document.getElementById("pdf-i18n").textContent);
const box = document.querySelector(".pdf-progress");

function show(text, bar, job) {
  text.textContent = t.progress.replace("{done}", job.done).replace("{total}", job.total);
  bar.max = job.total;
  bar.value = job.done;
}

async function follow(statusUrl, downloadUrl, text, bar) {
  const data = await pollJob(statusUrl, {
    interval: 500,
    ended: (job) => job.state === "done" || job.state === "error",
    onProgress: (job) => show(text, bar, job),
  });
  if (!data.ok) {
    text.textContent = data.error?.message || t.failed;
  } else if (data.job.state === "done") {
    show(text, bar, data.job);
    window.location.assign(downloadUrl);
  } else {
    text.textContent = t.retry;
  }
}

if (box) {
  follow(box.dataset.statusUrl, box.dataset.downloadUrl, box.querySelector("[data-progress-text]"),
    box.querySelector("[data-progress-bar]"));
}

// On list and builder pages: ask for the PDF in the background; a cached one downloads at once.
for (const link of document.querySelectorAll("a[data-pdf-download]")) {
  link.addEventListener("click", async (event) => {
    event.preventDefault();
    const status = document.createElement("span");
    status.className = "muted small pdf-inline-status";
    status.setAttribute("role", "status");
    status.textContent = ` ${t.preparing}`;
    link.after(status);
    let response;
    try {
      response = await fetch(link.href, { headers: { Accept: "application/json" } });
    } catch {
      window.location.assign(link.href);
      return;
    }
    if (response.status !== 202) {
      status.remove();
      window.location.assign(link.href); // ready (served from the cache): the browser opens it
      return;
    }
    const data = await response.json();
    const bar = document.createElement("progress");
    status.after(bar);
    show(status, bar, data.job);
    await follow(data.status_url, data.download_url, status, bar);
  });
}
