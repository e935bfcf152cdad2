// covid-portal SPARQL editor: syntax highlighting, example queries, running a query in place.
// Written for this project (MIT, like the rest of it); no library, nothing fetched from other hosts.
"use strict";

(function () {
  const textarea = document.getElementById("query");
  const highlight = document.getElementById("highlight");
  const form = document.getElementById("query-form");
  const runButton = document.getElementById("run");
  if (!textarea || !highlight || !form) return;

  const KEYWORDS = new Set(("SELECT CONSTRUCT DESCRIBE ASK WHERE FROM NAMED PREFIX BASE DISTINCT REDUCED OPTIONAL " +
    "UNION MINUS FILTER BIND VALUES GRAPH SERVICE SILENT LIMIT OFFSET ORDER BY ASC DESC GROUP HAVING AS NOT IN " +
    "EXISTS COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT SEPARATOR STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE " +
    "RAND ABS CEIL FLOOR ROUND CONCAT STRLEN UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS STRBEFORE " +
    "STRAFTER YEAR MONTH DAY HOURS MINUTES SECONDS TIMEZONE TZ NOW UUID STRUUID MD5 SHA1 SHA256 SHA384 SHA512 " +
    "COALESCE IF STRLANG STRDT SAMETERM ISIRI ISURI ISBLANK ISLITERAL ISNUMERIC REGEX SUBSTR REPLACE TRUE FALSE A")
    .split(" "));
  // one pass over the text: comments, strings, IRIs, variables, prefixed names, numbers, words, the rest
  const TOKEN = /(#[^\n]*)|("""[\s\S]*?(?:"""|$)|'''[\s\S]*?(?:'''|$)|"(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?)|(<[^<>"{}|^`\\\s]*>)|([?$][A-Za-z0-9_\u00B7-\uFFFF]+)|((?:[A-Za-z][\w.-]*)?:[\w.%-]*)|(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|([A-Za-z_]+)|([\s\S])/g;
  const CLASSES = [null, "tok-comment", "tok-string", "tok-iri", "tok-var", "tok-pname", "tok-number"];

  function escapeHtml(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function highlightSparql(text) {
    let out = "";
    TOKEN.lastIndex = 0;
    let match;
    while ((match = TOKEN.exec(text)) !== null) {
      if (match[0] === "") { TOKEN.lastIndex++; continue; }
      let cls = null;
      for (let i = 1; i <= 6; i++) if (match[i] !== undefined) { cls = CLASSES[i]; break; }
      if (!cls && match[7] !== undefined && KEYWORDS.has(match[7].toUpperCase())) cls = "tok-keyword";
      out += cls ? `<span class="${cls}">${escapeHtml(match[0])}</span>` : escapeHtml(match[0]);
    }
    return out + "\n"; // keeps the last line's height when the text ends with a newline
  }

  function refresh() {
    highlight.innerHTML = highlightSparql(textarea.value);
    highlight.scrollTop = textarea.scrollTop;
    highlight.scrollLeft = textarea.scrollLeft;
  }
  textarea.addEventListener("input", refresh);
  textarea.addEventListener("scroll", refresh);
  document.body.classList.add("js");
  refresh();

  // ------------------------------------------------------------------ example queries (from /queries)
  const list = document.getElementById("example-list");
  let examples = null;
  async function loadExamples() {
    if (examples) return examples;
    const response = await fetch(list.dataset.source, { headers: { Accept: "application/json" } });
    const data = await response.json();
    examples = new Map(data.queries.map((q) => [q.name, q]));
    return examples;
  }
  if (list) {
    list.addEventListener("click", async (event) => {
      const link = event.target.closest("a.example");
      if (!link) return;
      event.preventDefault();
      try {
        const example = (await loadExamples()).get(link.dataset.name);
        if (!example) { window.location.href = link.href; return; }
        textarea.value = example.query.trim() + "\n";
        list.querySelectorAll("a[aria-current]").forEach((a) => a.removeAttribute("aria-current"));
        link.setAttribute("aria-current", "true");
        document.getElementById("editor-title").textContent = "Query: " + example.title;
        history.replaceState(null, "", link.href);
        refresh();
        textarea.focus();
      } catch (error) {
        window.location.href = link.href;
      }
    });
  }

  // ------------------------------------------------------------------ running a query in place
  const results = document.getElementById("results");
  const status = document.getElementById("status");
  const table = document.getElementById("result-table");
  const downloads = document.getElementById("downloads");
  const endpoint = form.getAttribute("action");
  const RESULT_FORMATS = [["json", "JSON"], ["xml", "XML"], ["csv", "CSV"], ["tsv", "TSV"]];
  const MAX_ROWS = 1000; // rows drawn in the page; the downloads have them all
  const GRAPH_FORMATS = [["ttl", "Turtle"], ["nt", "N-Triples"], ["jsonld", "JSON-LD"], ["rdf", "RDF/XML"]];

  function cell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      const a = document.createElement("a");
      a.href = "/resolve?iri=" + encodeURIComponent(term.value);
      a.textContent = term.value;
      td.appendChild(a);
    } else {
      td.textContent = term.value + (term["xml:lang"] ? "@" + term["xml:lang"] : "");
    }
    return td;
  }

  function showDownloads(query, isGraph) {
    downloads.textContent = "Download: ";
    (isGraph ? GRAPH_FORMATS : RESULT_FORMATS).forEach(([name, label], i) => {
      const a = document.createElement("a");
      a.href = endpoint + "?" + new URLSearchParams({ query, format: name }).toString();
      a.textContent = label;
      a.setAttribute("download", "results." + name);
      a.className = "download-" + name;
      if (i) downloads.appendChild(document.createTextNode(" · "));
      downloads.appendChild(a);
    });
  }

  async function run() {
    const query = textarea.value;
    results.hidden = false;
    status.textContent = "Running…";
    table.textContent = "";
    downloads.textContent = "";
    const started = performance.now();
    try {
      const response = await fetch(endpoint, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          Accept: "application/sparql-results+json, text/turtle;q=0.9",
        },
        body: new URLSearchParams({ query }).toString(),
      });
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      const type = response.headers.get("Content-Type") || "";
      if (!response.ok) {
        status.textContent = `Error ${response.status}: ${(await response.text()).trim()}`;
        return;
      }
      if (type.includes("sparql-results+json")) {
        const data = await response.json();
        showDownloads(query, false);
        if (data.boolean !== undefined) {
          status.textContent = `Answer: ${data.boolean} (${seconds} s)`;
          return;
        }
        const vars = data.head.vars;
        const rows = data.results.bindings;
        status.textContent = `${rows.length} result${rows.length === 1 ? "" : "s"} in ${seconds} s`;
        const t = document.createElement("table");
        t.id = "results-table";
        const caption = t.createCaption();
        caption.textContent = "Query results";
        const head = t.createTHead().insertRow();
        vars.forEach((v) => {
          const th = document.createElement("th");
          th.scope = "col";
          th.textContent = "?" + v;
          head.appendChild(th);
        });
        const body = t.createTBody();
        rows.slice(0, MAX_ROWS).forEach((row) => {
          const tr = body.insertRow();
          vars.forEach((v) => tr.appendChild(cell(row[v])));
        });
        if (rows.length > MAX_ROWS) {
          status.textContent += ` (the first ${MAX_ROWS} are shown: download them all)`;
        }
        table.appendChild(t);
      } else {
        showDownloads(query, true);
        const pre = document.createElement("pre");
        pre.textContent = await response.text();
        status.textContent = `Graph result in ${seconds} s`;
        table.appendChild(pre);
      }
    } catch (error) {
      status.textContent = "The query could not be sent: " + error;
    }
  }

  if (runButton) {
    runButton.hidden = false;
    runButton.addEventListener("click", run);
  }
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run();
    }
  });
})();
