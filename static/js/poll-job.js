// One way to follow a job the server runs (a PDF being laid out, an import in the task worker): ask its state
// every `interval` ms, tell `onProgress` how far it is, and resolve with the last answer once the job has ended
// (`ended(job)`) or the server refused (`ok: false`). A network hiccup is retried, never reported as an end.
export async function pollJob(url, { interval, ended, onProgress }) {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, interval));
    let data;
    try {
      data = await (await fetch(url, { headers: { Accept: "application/json" } })).json();
    } catch {
      continue;
    }
    if (!data.ok || ended(data.job)) return data;
    onProgress(data.job);
  }
}
