/* Live reload for `kb serve --watch` (server/live.py): reload when the sites' generation
   differs from the one this page came from; while the last build has errors, list them over
   the page (which stays the last good one). Added by the server only, never to site/. */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || !window.EventSource) return;
  var generation = me.getAttribute("data-kb-generation") || "";
  var source = new EventSource(me.getAttribute("data-kb-events") || "/_kb/events");
  var panel = null;
  var dismissed = null; // the errors the reader closed: shown again only when they change

  function el(tag, text, style) {
    var node = document.createElement(tag);
    if (text) node.textContent = text; // never markup: messages quote the files
    for (var key in style || {}) node.style[key] = style[key];
    return node;
  }

  function lines(state) {
    var out = (state.errors || []).map(function (e) {
      return e.file + ":" + e.line + ": " + e.code + ": " + e.message +
        (e.hint ? " (" + e.hint + ")" : "");
    });
    if (state.failure) out.push(state.failure);
    return out;
  }

  function hide() {
    if (panel) panel.remove();
    panel = null;
  }

  function show(state) {
    var found = lines(state);
    var key = found.join("\n");
    if (key === dismissed) return;
    hide();
    panel = el("section", "", {
      position: "fixed", left: "0", right: "0", bottom: "0", zIndex: "2147483647",
      maxHeight: "45vh", overflow: "auto", boxSizing: "border-box", padding: "12px 16px",
      background: "#2b0d0d", color: "#fff", borderTop: "4px solid #e53935",
      font: "14px/1.45 system-ui, sans-serif", boxShadow: "0 -4px 16px rgba(0,0,0,.3)"
    });
    panel.id = "kb-live-errors";
    panel.setAttribute("role", "alert");
    var close = el("button", "\u00d7", {
      float: "right", font: "inherit", fontSize: "20px", lineHeight: "1", color: "#fff",
      background: "transparent", border: "0", cursor: "pointer", padding: "0 4px"
    });
    close.type = "button";
    close.setAttribute("aria-label", "Close");
    close.addEventListener("click", function () { dismissed = key; hide(); });
    panel.appendChild(close);
    var count = (state.errors || []).length;
    var title = count
      ? "The last edit has " + count + " error" + (count === 1 ? "" : "s") + ": "
      : "The last build failed: ";
    panel.appendChild(el("strong", title + "this page is the last good build."));
    var list = el("ul", "", {
      margin: "8px 0 0", padding: "0", listStyle: "none",
      font: "13px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"
    });
    found.forEach(function (text) {
      list.appendChild(el("li", text, { whiteSpace: "pre-wrap", overflowWrap: "anywhere" }));
    });
    panel.appendChild(list);
    document.body.appendChild(panel);
  }

  source.addEventListener("build", function (message) {
    var state = JSON.parse(message.data);
    if (state.generation && state.generation !== generation) {
      source.close();
      location.reload();
    } else if (!state.ok) {
      show(state);
    } else {
      dismissed = null;
      hide();
    }
  });
})();
