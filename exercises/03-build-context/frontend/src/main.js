// The page's script before bundling: `npm run build` writes dist/bundle.js.
export async function loadNotes(list) {
  const notes = await (await fetch("/notes")).json();
  for (const note of notes) {
    const item = document.createElement("li");
    item.textContent = note.text;
    list.append(item);
  }
}
