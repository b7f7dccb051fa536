// PDF downloads: a long build shows "Préparation du PDF… n/N pages" while the server renders, then downloads.
// Words come from the page (templates/printing/_pdf_progress.html), in its language.
const t = JSON.parse(document.getElementById("pdf-i18n").textContent);
const box = document.querySelector(".pdf-progress");

function show(text, bar, job) {
  text.textContent = t.progress.replace("{done}", job.done).replace("{total}", job.total);
  bar.max = job.total;
  bar.value = job.done;
}

async function follow(statusUrl, downloadUrl, text, bar) {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    let data;
    try {
      data = await (await fetch(statusUrl, { headers: { Accept: "application/json" } })).json();
    } catch {
      continue; // network hiccup: keep trying
    }
    if (!data.ok) {
      text.textContent = data.error?.message || t.failed;
      return;
    }
    show(text, bar, data.job);
    if (data.job.state === "done") {
      window.location.assign(downloadUrl);
      return;
    }
    if (data.job.state === "error") {
      text.textContent = t.retry;
      return;
    }
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
