// The query page: run the editor's SPARQL on /sparql, or a named query on /api/queries,
// and show the rows as a table. No framework, no build step.
(function () {
  const base = document.querySelector("link[rel=stylesheet]").getAttribute("href").replace(/\/static\/style\.css$/, "");
  const examples = JSON.parse(document.getElementById("examples").textContent);
  const editor = document.getElementById("sparql");
  const params = document.getElementById("params");
  const status = document.getElementById("status");
  const results = document.getElementById("results");
  let current = null; // the named query whose text is in the editor, if unchanged

  function cell(text) {
    const td = document.createElement("td");
    td.textContent = text;
    return td;
  }

  function show(variables, rows) {
    results.textContent = "";
    const wrap = document.createElement("div");
    wrap.className = "table-wrap";
    const table = document.createElement("table");
    table.className = "results";
    const head = table.createTHead().insertRow();
    variables.forEach(v => { const th = document.createElement("th"); th.textContent = v; head.appendChild(th); });
    const body = table.createTBody();
    rows.forEach(row => { const tr = body.insertRow(); variables.forEach(v => tr.appendChild(cell(row[v] ?? ""))); });
    wrap.appendChild(table);
    results.appendChild(wrap);
  }

  function fail(message) {
    status.className = "error";
    status.textContent = message;
  }

  async function answer(response, started) {
    const payload = await response.json();
    if (!response.ok) { fail(payload.error ? payload.error.message : response.statusText); return; }
    const ms = Math.round(performance.now() - started);
    if (payload.boolean !== undefined) { results.textContent = String(payload.boolean); status.textContent = `${ms} ms`; return; }
    if (payload.kind === "graph") { show(["subject", "predicate", "object"], payload.triples.map(t => ({subject: t[0], predicate: t[1], object: t[2]}))); }
    else if (payload.rows) { show(payload.variables, payload.rows); }
    else {
      const vars = payload.head.vars;
      show(vars, payload.results.bindings.map(b => Object.fromEntries(vars.map(v => [v, b[v] ? b[v].value : ""]))));
    }
    const count = results.querySelectorAll("tbody tr").length;
    status.className = "";
    status.textContent = `${count} row${count === 1 ? "" : "s"} in ${ms} ms`;
  }

  function choose(name) {
    const query = examples.find(q => q.name === name);
    current = query;
    editor.value = query.text;
    params.textContent = "";
    query.params.forEach(p => {
      const label = document.createElement("label");
      label.textContent = `${p.name} (${p.type})`;
      const input = document.createElement("input");
      input.name = p.name;
      input.value = p.default ?? "";
      input.placeholder = p.description || "any";
      label.appendChild(input);
      params.appendChild(label);
    });
  }

  async function run(event) {
    event.preventDefault();
    status.className = "";
    status.textContent = "running…";
    results.textContent = "";
    const started = performance.now();
    try {
      let response;
      if (current && editor.value === current.text) {
        const query = new URLSearchParams();
        params.querySelectorAll("input").forEach(i => { if (i.value.trim()) query.set(i.name, i.value.trim()); });
        response = await fetch(`${base}/api/queries/${encodeURIComponent(current.name)}?${query}`);
      } else {
        response = await fetch(`${base}/sparql`, {
          method: "POST",
          headers: {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json, application/n-triples;q=0.5"},
          body: editor.value,
        });
        if (response.ok && (response.headers.get("content-type") || "").startsWith("application/n-triples")) {
          results.textContent = "";
          const pre = document.createElement("pre");
          pre.textContent = await response.text();
          results.appendChild(pre);
          status.textContent = `${Math.round(performance.now() - started)} ms`;
          return;
        }
      }
      await answer(response, started);
    } catch (error) {
      fail(String(error));
    }
  }

  document.querySelectorAll("button.example").forEach(b => b.addEventListener("click", () => {
    choose(b.dataset.name);
    document.getElementById("query-form").requestSubmit();
  }));
  editor.addEventListener("input", () => { if (current && editor.value !== current.text) { params.textContent = ""; current = null; } });
  document.getElementById("query-form").addEventListener("submit", run);
})();
