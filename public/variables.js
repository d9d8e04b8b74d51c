// The Variables page's script (a same-origin module, so the CSP needs no
// inline script). Four things the page's WASM bundle does not carry:
//   1. search and filters update the table in place (no page load);
//   2. "Import .env" loads its own bundle on the first click;
//   3. an Edit panel's "Version history" link becomes its Versions region
//      (and, for a secret, the "AI agents" one);
//   4. `?new=NAME` (the link an AI agent's request_secret gives) opens the
//      create panel with the name, and Secret, filled in: nothing else.
// New rows and regions come from the server's HTML for the same URL; their
// islands are hydrated by the page's bundle (Leptos' `__hydrateIsland`,
// defined by its islands hydration script). Without this file the page
// still works: the search is a GET form, the link a page of its own.

const hydrate = (node) => {
  for (const i of node.querySelectorAll("leptos-island")) window.__hydrateIsland?.(i, i.dataset.component);
};

const fetchPage = async (url, signal) => {
  const res = await fetch(url, { headers: { accept: "text/html" }, signal });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return new DOMParser().parseFromString(await res.text(), "text/html");
};

// 1. Search as you type. Only the latest query's answer is shown (earlier
// requests are aborted); the box keeps its focus and caret because it is
// never replaced; the address follows, so reload and back keep the query.
const form = document.getElementById("variables-search");
if (form) {
  const box = form.elements.q;
  const status = document.getElementById("variables-status");
  let pending = null, timer;
  const urlOf = () => {
    const params = new URLSearchParams();
    if (box.value.trim()) params.set("q", box.value);
    for (const f of form.querySelectorAll('input[name="filter"]:checked')) params.set("filter", f.value);
    const query = params.toString();
    return form.action + (query ? "?" + query : "");
  };
  const update = async () => {
    clearTimeout(timer);
    pending?.abort();
    const controller = (pending = new AbortController());
    const url = urlOf();
    form.setAttribute("aria-busy", "true");
    try {
      const doc = await fetchPage(url, controller.signal);
      if (controller !== pending) return;
      const fresh = doc.querySelector(".variables-results");
      const here = document.querySelector(".variables-results");
      if (!fresh || !here) return location.assign(url);
      here.replaceWith(fresh);
      hydrate(fresh);
      history.replaceState(history.state, "", url);
      if (status) {
        const n = fresh.querySelectorAll("tbody tr[data-variable]").length;
        status.textContent = n === 1 ? "1 variable shown" : `${n} variables shown`;
      }
    } catch (e) {
      // Aborted by a newer query, or offline: a real page load says why.
      if (e.name !== "AbortError" && controller === pending) location.assign(url);
    } finally {
      if (controller === pending) form.removeAttribute("aria-busy");
    }
  };
  box.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(update, 250); });
  const boxes = form.querySelectorAll('input[name="filter"]');
  for (const f of boxes) f.addEventListener("change", () => {
    for (const o of boxes) if (o !== f && f.checked) o.checked = false;
    update();
  });
  form.addEventListener("submit", (e) => { e.preventDefault(); update(); });
}

// 2. "Import .env": its dialog is in the automation bundle, fetched on the
// first click rather than with the page.
const importButton = document.getElementById("import-env-open");
if (importButton) {
  const holder = importButton.parentElement;
  const open = async () => {
    importButton.disabled = true;
    try {
      const pkg = holder.dataset.pkg;
      const mod = await import(`${pkg}/varvault_automation.js`);
      await mod.default({ module_or_path: `${pkg}/varvault_automation.wasm` });
      mod.mount_import_env(holder, holder.dataset.workspace);
    } catch (_) {
      // Offline, say: the button works again for another try.
      importButton.disabled = false;
      importButton.addEventListener("click", open, { once: true });
    }
  };
  importButton.addEventListener("click", open, { once: true });
}

// 3. The Versions region (SPEC §9): when an Edit panel's "Version history"
// link appears, the history page's region is fetched and put after the
// panel's form (its "Restore" buttons are forms of their own), in place of
// the link. If that fails the link stays.
const fill = async (link) => {
  link.dataset.versions = "";
  try {
    const page = await fetchPage(link.href);
    const parts = ["agents", "versions"].map((id) => page.getElementById(id)).filter(Boolean);
    if (!parts.length || !link.isConnected) return;
    for (const part of parts) {
      part.removeAttribute("id");
      const node = document.importNode(part, true);
      link.closest("form").after(node);
      hydrate(node);
    }
    link.remove();
  } catch (_) {}
};
new MutationObserver(() =>
  document.querySelectorAll('form.panel-form a[href$="/history"]:not([data-versions])').forEach(fill),
).observe(document.body, { childList: true, subtree: true });

// 4. The create panel for a secret an agent asked for, once the button's
// island has hydrated. Only a valid name is ever put in the field.
const wanted = new URLSearchParams(location.search).get("new");
if (wanted && /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(wanted)) {
  const open = (tries) => {
    const button = document.querySelector(".page-head .btn-primary");
    if (!button || button.disabled) return tries > 0 && setTimeout(open, 50, tries - 1);
    button.click();
    // Once: the reload after "Create" must not open it again.
    const url = new URL(location.href);
    url.searchParams.delete("new");
    history.replaceState(history.state, "", url);
    const fillIn = (frames) => {
      const name = document.getElementById("var-name");
      if (!name) return frames > 0 && requestAnimationFrame(() => fillIn(frames - 1));
      document.querySelector('input[name="kind"][value="secret"]')?.click();
      name.value = wanted;
      name.focus();
    };
    fillIn(60);
  };
  open(200);
}
