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
    const b = button(`🔊 ${label}`, () => speak(text()), "read-aloud");
    b.dataset.testid = "read-aloud";
    b.hidden = !voice;
    return b;
  }

  return { readButton, speak };
}
