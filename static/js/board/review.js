// "Où en est-on ?": the next steps earlier sessions of a peer group left open. Everyone sees them and their
// status; the facilitator marks each one done, ongoing or dropped, live on every screen (review.mark).
import { button, el, fmt } from "./dom.js";

const MARKS = ["done", "ongoing", "dropped"];

export function mountReview({ store, t }) {
  const root = document.getElementById("review-panel");
  const moderator = document.getElementById("board").dataset.moderator === "true";
  const g = t.groups;
  let shown;
  store.subscribe(render);
  render(store.state);

  function render(state) {
    if (state.review === shown) return;
    shown = state.review;
    root.hidden = !shown || !shown.length;
    if (root.hidden) return;
    root.replaceChildren(el("h2", { id: "review-title" }, g.review),
      el("p", { className: "muted small" }, g.review_intro),
      el("ul", { className: "review-list" }, ...shown.map(item)));
  }

  function item(step) {
    const meta = [step.owner, step.session ? fmt(g.from_session, step.session) : ""].filter(Boolean).join(" · ");
    const li = el("li", { className: `review-step status-${step.status}`, dataset: { status: step.status } },
      el("span", { className: "review-status" }, g.status[step.status] || step.status),
      el("span", { className: "review-text" }, step.text),
      meta ? el("span", { className: "muted small" }, ` (${meta})`) : null);
    if (moderator) {
      li.append(el("span", { className: "review-actions" }, ...MARKS.map((status) => {
        const b = button(g.mark[status], () => store.act("review.mark", { id: step.id, status }, { clear: true }),
          `button small${step.status === status ? " is-on" : ""}`);
        b.setAttribute("aria-pressed", String(step.status === status));
        return b;
      })));
    }
    return li;
  }
}
