// Progressive enhancement only: every page works without this file.
// Pickers search as you type; a ticked result moves to the chosen list.
for (const box of document.querySelectorAll("fieldset.picker[data-url]")) {
  const input = box.querySelector("input[type=search]");
  const button = box.querySelector("button[name=_pick]");
  const found = box.querySelector(".found");
  const picked = box.querySelector("ul.picked");
  const name = button.value;
  let timer;
  const item = (o, checked) => {
    const li = document.createElement("li");
    const label = document.createElement("label");
    label.className = "check";
    const cb = document.createElement("input");
    cb.type = "checkbox";
    cb.name = name;
    cb.value = String(o.id);
    cb.checked = checked;
    label.append(cb, " " + o.label);
    li.append(label);
    cb.addEventListener("change", () => {
      if (cb.checked && li.parentElement !== picked) {
        picked.append(li);
        box.querySelector(".none-picked")?.remove();
      }
    });
    return li;
  };
  const run = async () => {
    const res = await fetch(box.dataset.url + "?q=" + encodeURIComponent(input.value.trim()), {
      headers: { accept: "application/json" },
      credentials: "same-origin",
    });
    if (!res.ok) return;
    const options = await res.json();
    const chosen = new Set([...picked.querySelectorAll("input:checked")].map((i) => i.value));
    const list = document.createElement("ul");
    list.className = "plain";
    for (const o of options.filter((o) => !chosen.has(String(o.id)))) list.append(item(o, false));
    const note = document.createElement("p");
    note.className = "hint";
    note.textContent = list.children.length
      ? `${list.children.length} found: tick the ones to link, then save.`
      : `Nothing more found for “${input.value.trim()}”.`;
    found.replaceChildren(list, note);
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(run, 200);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      run();
    }
  });
  button.addEventListener("click", (e) => {
    e.preventDefault();
    run();
  });
}
