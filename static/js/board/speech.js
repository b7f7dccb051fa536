// Reading aloud (#18) with the browser's own speech synthesis, never an outside service: a voice of the page's
// language is chosen when the device has one; otherwise every read-aloud button stays hidden. Voices often
// arrive late (voiceschanged), so buttons already drawn are shown then.
import { button } from "./dom.js";

const synth = typeof window.speechSynthesis === "object" ? window.speechSynthesis : null;
let voice = null;

function pick(language) {
  const voices = synth && typeof synth.getVoices === "function" ? synth.getVoices() || [] : [];
  const primary = (tag) => String(tag || "").toLowerCase().split(/[-_]/)[0];
  return voices.find((v) => primary(v.lang) === language && v.default)
    || voices.find((v) => primary(v.lang) === language) || null;
}

const SVG = "http://www.w3.org/2000/svg";

/** A loudspeaker drawn inline (no image file, no emoji font needed), hidden from screen readers. */
function speaker() {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", "read-aloud-icon");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", "M3 9v6h4l5 5V4L7 9H3zm13.5 3A4.5 4.5 0 0 0 14 8v8a4.5 4.5 0 0 0 2.5-4z");
  path.setAttribute("fill", "currentColor");
  svg.append(path);
  return svg;
}

export function createSpeech(language) {
  voice = pick(language);
  if (synth && typeof synth.addEventListener === "function") {
    synth.addEventListener("voiceschanged", () => {
      voice = pick(language);
      document.querySelectorAll(".read-aloud").forEach((b) => { b.hidden = !voice; });
    });
  }

  function speak(text) {
    if (!voice || !text) return;
    synth.cancel();
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.voice = voice;
    utterance.lang = voice.lang;
    synth.speak(utterance);
  }

  /** A "listen" button that reads `text()`; hidden while the device has no voice of the page's language. */
  function readButton(label, text) {
    const b = button(label, () => speak(text()), "read-aloud");
    b.prepend(speaker());
    b.dataset.testid = "read-aloud";
    b.hidden = !voice;
    return b;
  }

  return { readButton, speak };
}
