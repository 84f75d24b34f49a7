/**
 * /assets/viewer.js, the viewer's only script (plain browser JavaScript, no framework, no network
 * beyond this server). The pages work without it; it adds:
 * - live refresh: on an audit page, polls the audit's change counter every second and, when it
 *   moves, swaps in the re-rendered #live region;
 * - branch and view switching without a page load (the address bar follows, back works);
 * - highlight links that open the cited message's branch and scroll to the cited span.
 */
export const POLL_MS = 1000;

export const VIEWER_JS = String.raw`"use strict";
(function () {
  var body = document.body;
  var auditId = body.getAttribute("data-audit");
  if (!auditId) return;
  var version = body.getAttribute("data-version");
  var live = document.getElementById("live");
  var loads = 0;

  function fragmentUrl(search) {
    return "/audits/" + encodeURIComponent(auditId) + "/fragment" + search;
  }

  /** The reader's open and closed folds (<details>), keyed by summary and occurrence, to keep across a refresh. */
  function foldKeys(visit) {
    var seen = {};
    live.querySelectorAll("details > summary").forEach(function (summary) {
      var text = summary.textContent;
      seen[text] = (seen[text] || 0) + 1;
      visit(text + "#" + seen[text], summary.parentNode);
    });
  }

  function foldStates() {
    var states = {};
    foldKeys(function (key, details) { states[key] = details.open; });
    return states;
  }

  function restoreFolds(states) {
    foldKeys(function (key, details) {
      if (states[key] !== undefined) details.open = states[key];
    });
  }

  function nearBottom() {
    return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 80;
  }

  /** Replaces #live with the page for "search" (a query string); resolves true when it did. */
  function load(search) {
    var ticket = ++loads;
    return fetch(fragmentUrl(search), { credentials: "same-origin", headers: { Accept: "text/html" } }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.text();
    }).then(function (html) {
      if (ticket !== loads) return false;
      var follow = nearBottom();
      var folds = foldStates();
      live.innerHTML = html;
      restoreFolds(folds);
      if (follow) window.scrollTo(0, document.documentElement.scrollHeight);
      return true;
    });
  }

  function showError(text) {
    var note = document.getElementById("viewer-note");
    if (!note) {
      note = document.createElement("p");
      note.id = "viewer-note";
      note.className = "muted";
      note.setAttribute("role", "status");
      live.parentNode.insertBefore(note, live);
    }
    note.textContent = text;
  }

  function clearError() {
    var note = document.getElementById("viewer-note");
    if (note) note.remove();
  }

  function poll() {
    fetch("/api/audits/" + encodeURIComponent(auditId) + "/version", { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (state) {
        clearError();
        if (String(state.version) === version) return;
        version = String(state.version);
        body.setAttribute("data-version", version);
        return load(window.location.search);
      })
      .catch(function () {
        showError("Lost contact with the viewer; retrying.");
      })
      .then(function () {
        window.setTimeout(poll, ${POLL_MS});
      });
  }

  function navigate(href) {
    var url = new URL(href, window.location.href);
    return load(url.search).then(function (done) {
      if (done) window.history.pushState(null, "", url.pathname + url.search);
      return done;
    });
  }

  function shownBranch() {
    var section = live.querySelector("section.branch[data-branch]");
    return section ? Number(section.getAttribute("data-branch")) : null;
  }

  function flash(element) {
    element.classList.add("flash");
    if (!element.hasAttribute("tabindex")) element.setAttribute("tabindex", "-1");
    element.scrollIntoView({ block: "center" });
    element.focus({ preventScroll: true });
    window.setTimeout(function () {
      element.classList.remove("flash");
    }, 4000);
  }

  function showCitation(anchor, highlight) {
    var message = document.getElementById(anchor);
    if (!message) return;
    var marks = message.querySelectorAll("mark");
    for (var i = 0; i < marks.length; i++) {
      var cite = marks[i].querySelector("a.cite");
      if (cite && cite.getAttribute("href") === "#highlight-" + highlight) return flash(marks[i]);
    }
    flash(message);
  }

  /** A highlight link is /audits/<id>?branch=N#msg-…: show branch N (target view), then the span. */
  function openCitation(link) {
    var url = new URL(link.getAttribute("href"), window.location.href);
    var anchor = url.hash.slice(1);
    var item = link.closest("li[id^=highlight-]");
    var highlight = item ? item.id.slice("highlight-".length) : "";
    var branch = Number(url.searchParams.get("branch"));
    var onTarget = !window.location.search.match(/[?&]view=(combined|auditor)/);
    if (branch !== shownBranch() || !onTarget) {
      navigate(url.pathname + url.search).then(function () {
        showCitation(anchor, highlight);
      }).catch(function () {
        window.location.href = url.href;
      });
    } else {
      showCitation(anchor, highlight);
    }
  }

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var link = event.target.closest("a");
    if (!link || !live.contains(link)) return;
    if (link.matches(".branches a[data-branch], .tabs a[data-view]")) {
      event.preventDefault();
      navigate(link.getAttribute("href")).then(function () {
        var heading = live.querySelector("#conversation h2");
        if (heading) {
          heading.setAttribute("tabindex", "-1");
          heading.focus({ preventScroll: true });
        }
      }).catch(function () {
        window.location.href = link.href;
      });
    } else if (link.closest("#highlights") && link.getAttribute("href").indexOf("#msg-") > 0) {
      event.preventDefault();
      openCitation(link);
    }
  });

  window.addEventListener("popstate", function () {
    load(window.location.search).catch(function () {
      window.location.reload();
    });
  });

  window.setTimeout(poll, ${POLL_MS});
})();
`;
