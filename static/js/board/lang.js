// The board in the reader's language (#18): the built-in formats' words come from the page (format-i18n, filled
// from the catalogs), so a parent reading Arabic and the facilitator reading French see the same board each in
// their own language. Columns carry a pictogram beside their name for people who read little.
import { labels } from "./dom.js";

const words = labels("format-i18n");
export const pageLanguage = document.documentElement.lang || "fr";

/** A format text (column name, prompt, phase name, instructions) in the page's language, or as written. */
export function tr(text) {
  return (text && words[text]) || text || "";
}

// Symbols every phone and the test machine's fonts draw (no emoji: they fall back to empty boxes where missing).
const PICTOGRAMS = {
  obstacle: "⚠", lever: "↗", method: "✔", resource: "⚒", opportunity: "★", ideas: "☀", clusters: "❖",
  situation: "✍", questions: "?", contract: "⚖", suggestions: "☛", action_plan: "➜", learnings: "✦",
  round1: "☕", round2: "☕", round3: "☕", harvest: "✿", strengths: "✚", weaknesses: "▼",
  opportunities: "★", threats: "⚡", account: "✍", hypotheses: "?", synthesis: "✔",
};

/** The pictogram of a column (a note for columns a facilitator added). */
export function pictogram(key) {
  return PICTOGRAMS[key] || "✎";
}
