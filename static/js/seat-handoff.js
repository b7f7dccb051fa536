// A checked-in registrant opens their workshop: hand the seat's token to the board page the way it restores a
// seat (localStorage passerelles:token:CODE, see board/store.js), then go to the board: no name to type.
const root = document.getElementById("seat-handoff");
if (root) {
  try {
    window.localStorage.setItem(`passerelles:token:${root.dataset.code}`, root.dataset.token);
  } catch {
    // storage refused (private mode): the board asks for a name, as for anyone else
  }
  window.location.replace(root.dataset.url);
}
