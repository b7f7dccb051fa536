// Job page (/taches/<id>): "En cours… n/N lignes" while the worker runs the job, then the page reloads to show
// the result the server renders. Words come from the page (templates/jobs/job.html), in its language.
const t = JSON.parse(document.getElementById("job-i18n").textContent);
const box = document.querySelector(".job[data-state-url]");

function show(text, bar, job) {
  if (job.state === "queued") {
    text.textContent = t.queued;
    return;
  }
  text.textContent = t.progress.replace("{done}", job.done).replace("{total}", job.total);
  bar.max = Math.max(job.total, 1);
  bar.value = job.done;
}

async function follow(stateUrl, text, bar) {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 700));
    let data;
    try {
      data = await (await fetch(stateUrl, { headers: { Accept: "application/json" } })).json();
    } catch {
      continue; // network hiccup: keep trying
    }
    if (!data.ok) {
      text.textContent = data.error?.message || "";
      return;
    }
    if (data.job.state === "done" || data.job.state === "failed") {
      window.location.reload();
      return;
    }
    show(text, bar, data.job);
  }
}

if (box) follow(box.dataset.stateUrl, box.querySelector("[data-job-text]"), box.querySelector("[data-job-bar]"));
