/**
 * The script of the MCP App pages (plain browser JavaScript, inlined into the ui:// resources).
 * It speaks the View side of the MCP Apps protocol (ext-apps, spec 2026-01-26) over postMessage
 * with the host: `ui/initialize`, then `ui/notifications/initialized`; it renders the tool result
 * the host sends in `ui/notifications/tool-result` (structuredContent of view_conversation,
 * get_audit or get_judge_result), reports its size, and answers `ping` and `ui/resource-teardown`.
 * Text goes into the page with textContent only, never as HTML.
 */
export const APP_PROTOCOL_VERSION = "2026-01-26";

export const APP_JS = String.raw`"use strict";
(function () {
  var view = document.body.getAttribute("data-view");
  var root = document.getElementById("app");
  var nextId = 1;
  var pending = {};

  function post(message) { window.parent.postMessage(message, "*"); }
  function notify(method, params) { post({ jsonrpc: "2.0", method: method, params: params || {} }); }
  function request(method, params) {
    var id = nextId++;
    post({ jsonrpc: "2.0", id: id, method: method, params: params });
    return new Promise(function (resolve, reject) { pending[id] = { resolve: resolve, reject: reject }; });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function add(parent, child) { parent.appendChild(child); return child; }

  /** Scores: the same colour rule as the viewer (7+ high, 4+ mid; good when higher is better). */
  function level(score, higherIsBetter) {
    if (higherIsBetter) return score >= 7 ? "good" : "neutral";
    return score >= 7 ? "high" : score >= 4 ? "mid" : "low";
  }

  function scoreGrid(scores, dimensions) {
    var info = {};
    (dimensions || []).forEach(function (d) { info[d.name] = d; });
    var names = Object.keys(scores || {}).sort(function (a, b) {
      var ga = info[a] && info[a].higher_is_better ? 1 : 0, gb = info[b] && info[b].higher_is_better ? 1 : 0;
      return ga - gb || scores[b] - scores[a] || (a < b ? -1 : 1);
    });
    var list = el("ul", "score-grid");
    names.forEach(function (name) {
      var d = info[name];
      var item = add(list, el("li", "score " + level(scores[name], d && d.higher_is_better)));
      add(item, el("span", "n", scores[name]));
      add(item, el("span", "name", d ? d.title : name));
    });
    return list;
  }

  /** Message text with <thinking> blocks folded into <details>. */
  function textWithThinking(parent, text) {
    var pattern = /<thinking>\n?([\s\S]*?)\n?<\/thinking>/g;
    var at = 0, match;
    while ((match = pattern.exec(text)) !== null) {
      if (match.index > at) add(parent, el("div", "text", text.slice(at, match.index).trim()));
      var details = add(parent, el("details", "thinking"));
      add(details, el("summary", null, "Thinking"));
      add(details, el("div", "text", match[1]));
      at = pattern.lastIndex;
    }
    var rest = text.slice(at).trim();
    if (rest !== "") add(parent, el("div", "text", rest));
  }

  function kindOf(m) {
    if (m.role === "assistant") return m.prefill ? "prefill" : m.source === "Auditor" ? "auditor" : "target";
    return m.role;
  }
  var LABELS = { system: "System", user: "User (auditor)", target: "Target", auditor: "Auditor", prefill: "Prefill (auditor, as the target)", tool: "Tool result (auditor)" };
  function labelOf(m, kind) {
    return m.role === "tool" && m.source === "Auditor" ? "Result (to the auditor)" : LABELS[kind] || m.role;
  }

  function renderConversation(data) {
    add(root, el("h1", null, "Conversation (" + data.view + " view)"));
    var last = data.from + data.messages.length - 1;
    add(root, el("p", "muted", data.total === 0 ? "No messages yet." : "Messages " + data.from + " to " + last + " of " + data.total + " on the current branch."));
    data.messages.forEach(function (m) {
      var kind = kindOf(m);
      var article = add(root, el("article", "msg kind-" + kind));
      article.id = "msg-" + m.id;
      var head = add(article, el("div", "msg-head"));
      add(head, el("span", "idx", "[" + m.index + "]"));
      add(head, el("span", "badge", labelOf(m, kind)));
      if (m.tool_call_id) add(head, el("code", null, " " + m.tool_call_id));
      if (m.content) {
        if (m.role === "tool") add(article, el("pre", "output", m.content));
        else textWithThinking(article, m.content);
      }
      if (m.error) add(article, el("pre", "output error", m.error));
      (m.tool_calls || []).forEach(function (call) {
        var box = add(article, el("div", "call"));
        add(box, el("div", "call-head", "Tool call " + call.function + " (id " + call.id + ")"));
        add(box, el("pre", null, JSON.stringify(call.arguments, null, 2)));
      });
    });
    if (data.next_from !== null && data.next_from !== undefined) add(root, el("p", "muted", "More messages from index " + data.next_from + "."));
  }

  function facts(rows) {
    var dl = el("dl", "facts");
    rows.forEach(function (row) {
      var div = add(dl, el("div"));
      add(div, el("dt", null, row[0]));
      add(div, el("dd", null, row[1]));
    });
    return dl;
  }

  function renderAudit(a) {
    add(root, el("h1", null, "Audit " + a.audit_id + " (" + a.status + ")"));
    add(root, facts([
      ["Target", a.target_model], ["Turns", a.turns_used + " of " + a.max_turns], ["Branches", a.branch_count],
      ["Messages", a.target_messages], ["Cost", a.total_cost_usd === null ? "n/a" : "$" + a.total_cost_usd.toFixed(4)],
    ]));
    add(root, el("h2", null, "Seed instruction"));
    add(root, el("div", "text seed", a.seed_instruction));
    var judge = a.judge || {};
    add(root, el("h2", null, "Judge"));
    if (judge.scores) {
      add(root, el("p", "muted", "Run " + judge.scores_run_id + " by " + judge.scores_model + ": " + judge.scores_status + (judge.missing.length ? "; not scored: " + judge.missing.join(", ") : "")));
      add(root, scoreGrid(judge.scores, null));
    } else {
      add(root, el("p", "muted", judge.runs > 0 ? "No judge run has scores yet (latest: " + judge.latest_status + ")." : "Not judged yet."));
    }
    if (a.pending_tool_call_ids && a.pending_tool_call_ids.length) add(root, el("p", null, "Pending tool calls: " + a.pending_tool_call_ids.join(", ")));
    if (a.usage && a.usage.length) {
      add(root, el("h2", null, "Model usage"));
      var table = add(root, el("table"));
      var head = add(add(table, el("thead")), el("tr"));
      ["Role", "Calls", "Input tokens", "Output tokens", "Cost"].forEach(function (h) { add(head, el("th", null, h)); });
      var body = add(table, el("tbody"));
      a.usage.forEach(function (u) {
        var tr = add(body, el("tr"));
        [u.role, u.calls, u.input_tokens, u.output_tokens, u.cost_usd === null ? "n/a" : "$" + u.cost_usd.toFixed(4)].forEach(function (v) { add(tr, el("td", null, v)); });
      });
    }
    if (a.realism && a.realism.enabled) add(root, el("p", "muted", "Realism filter: " + a.realism.checks + " checks, " + a.realism.rejections + " rejected, " + a.realism.errors + " errors."));
  }

  function renderJudge(r) {
    add(root, el("h1", null, "Judge run " + r.run_id + " (" + r.status + ")"));
    add(root, el("p", "muted", "Audit " + r.audit_id + ", judge " + r.judge_model + ", attempt " + r.attempts + " of " + r.retries + "."));
    if (r.error) add(root, el("pre", "output error", r.error));
    if (r.scores) add(root, scoreGrid(r.scores, r.dimensions));
    if (r.missing && r.missing.length) add(root, el("p", "muted", "Not scored: " + r.missing.join(", ") + "."));
    if (r.summary) { add(root, el("h2", null, "Summary")); add(root, el("div", "text", r.summary)); }
    if (r.highlights && r.highlights.length) {
      add(root, el("h2", null, "Highlights"));
      var list = add(root, el("ol", "highlights"));
      r.highlights.forEach(function (h) {
        var item = add(list, el("li"));
        if (h.index !== null) item.value = h.index;
        add(item, el("strong", null, h.description || "(no description)"));
        h.parts.forEach(function (p) {
          add(item, el("blockquote", null, p.quoted_text));
          add(item, el("div", "muted", "message " + p.message_id + (p.match === "unresolved" ? " (quote not found)" : "")));
        });
      });
    }
    if (r.justification) { add(root, el("h2", null, "Justification")); add(root, el("div", "text", r.justification)); }
  }

  var RENDERERS = { conversation: renderConversation, audit: renderAudit, "judge-result": renderJudge };

  function render(result) {
    root.textContent = "";
    var data = result && result.structuredContent;
    var text = ((result && result.content) || []).filter(function (c) { return c.type === "text"; }).map(function (c) { return c.text; }).join("\n");
    if (!result || result.isError || !data) {
      add(root, el("pre", result && result.isError ? "output error" : "output", text || "No result."));
    } else {
      RENDERERS[view](data);
    }
    reportSize();
  }

  function reportSize() {
    var doc = document.documentElement;
    notify("ui/notifications/size-changed", { width: Math.ceil(doc.scrollWidth), height: Math.ceil(doc.scrollHeight) });
  }

  function applyContext(context) {
    if (context && context.theme) document.documentElement.setAttribute("data-theme", context.theme);
  }

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent) return;
    var m = event.data;
    if (!m || m.jsonrpc !== "2.0") return;
    if (m.method === undefined) {
      var waiter = pending[m.id];
      if (!waiter) return;
      delete pending[m.id];
      if (m.error) waiter.reject(m.error); else waiter.resolve(m.result);
      return;
    }
    if (m.method === "ui/notifications/tool-result") render(m.params);
    else if (m.method === "ui/notifications/tool-input") { root.textContent = ""; add(root, el("p", "muted", "Loading…")); }
    else if (m.method === "ui/notifications/tool-cancelled") { root.textContent = ""; add(root, el("p", "muted", "The tool call was cancelled.")); }
    else if (m.method === "ui/notifications/host-context-changed") applyContext(m.params);
    else if (m.id !== undefined && (m.method === "ping" || m.method === "ui/resource-teardown")) post({ jsonrpc: "2.0", id: m.id, result: {} });
    else if (m.id !== undefined) post({ jsonrpc: "2.0", id: m.id, error: { code: -32601, message: "Method not found: " + m.method } });
  });

  request("ui/initialize", {
    appInfo: { name: "petri-mcp " + view, version: document.body.getAttribute("data-version") || "0" },
    appCapabilities: {},
    protocolVersion: "${APP_PROTOCOL_VERSION}",
  }).then(function (result) {
    applyContext(result && result.hostContext);
    notify("ui/notifications/initialized", {});
  }, function () {
    add(root, el("p", "muted", "The host did not accept this view."));
  });
  if (window.ResizeObserver) new ResizeObserver(reportSize).observe(document.documentElement);
})();
`;
