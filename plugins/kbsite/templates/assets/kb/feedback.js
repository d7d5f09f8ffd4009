/* "Was this helpful?" and, on the rep site, "Flag as outdated" (see partials/kb-feedback.html).
   Sends one vote to `kb serve` (POST api/feedback); on the help center it may also send what
   readers search for, in batches (POST api/searches). Text comes from the page (data-kb-strings)
   and is only ever set as textContent. Nothing is stored in the browser. */
(function () {
  "use strict";
  var MAX_COMMENT = 500;
  var BATCH = 20;

  function meta(name) {
    var el = document.querySelector('meta[name="' + name + '"]');
    return el ? el.getAttribute("content") : null;
  }

  function apiUrl(endpoint, path) {
    var base = new URL(endpoint, window.location.href);
    if (base.pathname.slice(-1) !== "/") base.pathname += "/";
    return new URL(path, base).toString();
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text) node.textContent = text;
    return node;
  }

  function init(box) {
    if (!box || box.dataset.kbReady) return;
    var id = meta("kb-id"), lang = meta("kb-lang");
    if (!id || !lang) return; // not a KB page: the widget stays hidden
    box.dataset.kbReady = "1";
    var t = JSON.parse(box.dataset.kbStrings || "{}");
    var site = box.dataset.kbSite === "internal" ? "internal" : "public";
    var url = apiUrl(box.dataset.kbEndpoint || "/", "api/feedback");
    var mode = null;

    var question = el("p", { "class": "kb-feedback__question", id: "kb-feedback-q" }, t.question);
    var buttons = el("div", { "class": "kb-feedback__buttons", role: "group",
                              "aria-labelledby": "kb-feedback-q" });
    var yes = el("button", { type: "button", "class": "md-button kb-feedback__yes" }, t.yes);
    var no = el("button", { type: "button", "class": "md-button kb-feedback__no" }, t.no);
    buttons.append(yes, no);
    var flag = null;
    if (site === "internal" && t.flag) {
      flag = el("button", { type: "button", "class": "md-button kb-feedback__flag" }, t.flag);
      buttons.append(flag);
    }
    var form = el("form", { "class": "kb-feedback__form" });
    form.hidden = true;
    var label = el("label", { "for": "kb-feedback-comment" }, t.comment);
    var comment = el("textarea", { id: "kb-feedback-comment", rows: "3",
                                   maxlength: String(MAX_COMMENT) });
    var send = el("button", { type: "submit", "class": "md-button md-button--primary" }, t.send);
    form.append(label, comment, send);
    var status = el("p", { "class": "kb-feedback__status", role: "status",
                           "aria-live": "polite" });
    box.append(question, buttons, form, status);
    box.hidden = false;

    function done(text, ok) {
      status.textContent = text;
      status.classList.toggle("kb-feedback__status--error", !ok);
      if (ok) { buttons.hidden = true; form.hidden = true; question.hidden = true; }
    }

    function post(vote) {
      var body = { id: id, lang: lang, site: site, helpful: vote.helpful, flag: !!vote.flag,
                   comment: (vote.comment || "").slice(0, MAX_COMMENT) };
      Array.prototype.forEach.call(box.querySelectorAll("button"), function (b) {
        b.disabled = true;
      });
      fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        credentials: site === "internal" ? "same-origin" : "omit"
      }).then(function (response) {
        if (response.status === 204) {
          done(vote.flag ? t.flag_thanks : t.thanks, true);
        } else {
          done(t.error, false);
        }
      }).catch(function () {
        done(t.error, false);
      }).then(function () {
        Array.prototype.forEach.call(box.querySelectorAll("button"), function (b) {
          b.disabled = false;
        });
      });
    }

    function ask(kind) {
      mode = kind;
      label.textContent = kind === "flag" ? t.flag_comment : t.comment;
      form.hidden = false;
      comment.focus();
    }

    yes.addEventListener("click", function () { post({ helpful: true }); });
    no.addEventListener("click", function () { ask("no"); });
    if (flag) flag.addEventListener("click", function () { ask("flag"); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (mode === "flag") post({ helpful: null, flag: true, comment: comment.value });
      else post({ helpful: false, comment: comment.value });
    });

    if (box.hasAttribute("data-kb-searches")) watchSearches(box, lang, site);
  }

  /* The help center's searches, sent in batches: a query counts once the reader has stopped
     typing for a moment; its result count is read from Material's result list. */
  var queue = [], searchUrl = null, searchLang = null, searchSite = "public", last = "";

  function logSearch(query, results) {
    query = String(query || "").trim();
    if (!searchUrl || query.length < 2 || query === last) return;
    last = query;
    queue.push({ q: query.slice(0, 200), results: Math.max(0, results | 0) });
    if (queue.length >= BATCH) flush();
  }

  function flush() {
    if (!searchUrl || !queue.length) return;
    var body = JSON.stringify({ site: searchSite, lang: searchLang, searches: queue.splice(0, BATCH) });
    fetch(searchUrl, { method: "POST", headers: { "Content-Type": "application/json" },
                       body: body, keepalive: true, credentials: "omit" }).catch(function () {});
  }

  function watchSearches(box, lang, site) {
    if (searchUrl) return;
    searchUrl = apiUrl(box.dataset.kbEndpoint || "/", "api/searches");
    searchLang = lang;
    searchSite = site;
    var input = document.querySelector('[data-md-component="search-query"]');
    var timer = null;
    if (input) {
      input.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () {
          var items = document.querySelectorAll(".md-search-result__item").length;
          logSearch(input.value, items);
        }, 1500);
      });
    }
    document.addEventListener("kb:search", function (event) {
      var d = event.detail || {};
      logSearch(d.query, d.results);
    });
    // The help center's own search (kb-search.js): counted once typing has paused.
    document.addEventListener("kb-search-results", function (event) {
      var d = event.detail || {};
      var answer = d.answer || {};
      var found = typeof answer.total === "number" ? answer.total
        : (answer.results || []).length;
      clearTimeout(timer);
      timer = setTimeout(function () { logSearch(d.query, found); }, 1500);
    });
    setInterval(flush, 30000);
    window.addEventListener("pagehide", flush);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") flush();
    });
  }

  window.kbFeedback = { flush: flush, logSearch: logSearch };

  function start() { init(document.querySelector(".kb-feedback")); }
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(start); // Material's instant navigation
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
