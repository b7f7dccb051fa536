// Job page (/taches/<id>): "En cours… n/N lignes" while the worker runs the job, then the page reloads to show
// the result the server renders. Words come from the page (templates/jobs/job.html), in its language.
import { pollJob } from "./poll-job.js";

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
  const data = await pollJob(stateUrl, {
    interval: 700,
    ended: (job) => job.state === "done" || job.state === "failed",
    onProgress: (job) => show(text, bar, job),
  });
  if (data.ok) window.location.reload();
  else text.textContent = data.error?.message || "";
}

if (box) follow(box.dataset.stateUrl, box.querySelector("[data-job-text]"), box.querySelector("[data-job-bar]"));
