// The live board page: one store (connection, seq, resync, outbox: board/store.js) and the views that render
// from it, each owning its own part of the page.
import { mountAnnouncer } from "./board/announce.js";
import { mountBalance } from "./board/balance.js";
import { labels } from "./board/dom.js";
import { mountColumns } from "./board/columns.js";
import { mountComposer } from "./board/composer.js";
import { mountFrame } from "./board/frame.js";
import { mountHeader } from "./board/header.js";
import { mountInbox } from "./board/inbox.js";
import { mountPhaseBar } from "./board/phase-bar.js";
import { mountPracticesPanel } from "./board/practices-panel.js";
import { mountProfileStep } from "./board/profile-step.js";
import { mountReview } from "./board/review.js";
import { mountSelection } from "./board/selection.js";
import { pageLanguage } from "./board/lang.js";
import { createSpeech } from "./board/speech.js";
import { createStore } from "./board/store.js";

const root = document.getElementById("board");
const t = { board: labels("board-i18n"), fac: labels("facilitation-i18n"), practices: labels("practices-i18n"),
  groups: labels("groups-i18n"), reasons: labels("report-reasons-i18n") };
// A facilitator's session cookie is enough to join: no name to ask.
const store = createStore({ code: root.dataset.code, autoJoin: root.dataset.moderator === "true" });
const context = { store, t, speech: createSpeech(pageLanguage) };
mountFrame(context);
mountHeader(context);
mountProfileStep(context);
mountPhaseBar(context);
mountBalance(context);
mountInbox(context);
mountReview(context);
mountPracticesPanel(context);
mountSelection(context);
mountColumns(context);
mountComposer(context); // after the columns: it marks the one written to
mountAnnouncer(context);
