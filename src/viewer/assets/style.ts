/**
 * The viewer's stylesheet: the HTML export's transcript styles (one look for both) plus the
 * viewer's own (site header, filters, tables, tabs, branch switcher, heat table). Colours meet WCAG
 * AA contrast for text.
 */
import { STYLE as TRANSCRIPT_STYLE } from "../../transcript/html.js";

const VIEWER_STYLE = `
a{color:#1a4fc4}
:focus-visible{outline:3px solid #b45309;outline-offset:2px}
.skip{position:absolute;left:-9999px;top:0}.skip:focus{left:8px;top:8px;background:#fff;padding:4px 10px;z-index:20}
header.site{display:flex;align-items:center;gap:24px;padding:10px 20px;background:#1d2330;color:#fff}
header.site .brand{font-weight:700;letter-spacing:.02em}
header.site nav{display:flex;gap:6px}
header.site nav a{color:#fff;text-decoration:none;padding:3px 10px;border-radius:6px}
header.site nav a[aria-current=page]{background:#3b4456}
main{max-width:1240px;padding-bottom:30px}
main:focus{outline:none}
footer.site{max-width:1240px;margin:20px auto;padding:0 20px;color:var(--muted);font-size:13px}
h1 code{font-size:20px}
.filters{display:flex;flex-wrap:wrap;gap:8px 14px;align-items:flex-end;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.filters label{display:flex;flex-direction:column;font-size:13px;color:#4b5565;gap:2px}
input,select{font:inherit;font-size:14px;padding:4px 6px;border:1px solid #8a93a5;border-radius:6px;background:#fff;color:var(--ink)}
.filters input{width:170px}
button{font:inherit;font-size:14px;padding:5px 14px;border-radius:6px;border:1px solid #1a4fc4;background:#1a4fc4;color:#fff;cursor:pointer}
.range{color:#4b5565}
table.audits td.seed{max-width:440px}
.sub{font-size:12px;color:#4b5565}
.num{text-align:right;white-space:nowrap}
th{background:#f0f2f6}
.status{display:inline-block;font-size:12px;font-weight:600;border-radius:10px;padding:0 8px;background:#e8eaef;color:#2d3340;white-space:nowrap}
.status-active,.status-complete{background:#dff3e4;color:#14532d}.status-max_turns,.status-partial{background:#fff1d6;color:#6b4500}
.status-failed,.status-interrupted{background:#fde2e1;color:#8a1111}.status-cancelled{background:#ececec;color:#444}.status-running{background:#e0ecff;color:#173f8a}
.chip{display:inline-block;border-radius:10px;padding:0 7px;font-size:12px;margin:1px 0;border:1px solid var(--line);white-space:nowrap}
.chip.high{background:#fde2e1;color:#8a1111}.chip.mid{background:#fff1d6;color:#6b4500}.chip.low{background:#e3f4e8;color:#14532d}
.score.mid .n{background:#8f5500}.score.neutral .n{background:#5b6477}
.pager{display:flex;gap:18px;margin:12px 0}
.live{display:inline-block;font-size:12px;font-weight:700;color:#14532d;background:#dff3e4;border-radius:10px;padding:0 8px;vertical-align:middle}
.live::before{content:"";display:inline-block;width:8px;height:8px;border-radius:50%;background:#22a05a;margin-right:5px;vertical-align:middle}
.tabs{display:flex;gap:4px;border-bottom:2px solid #9aa3b2;margin:6px 0 12px}
.tabs a{padding:6px 16px;border:1px solid var(--line);border-bottom:none;border-radius:8px 8px 0 0;text-decoration:none;color:var(--ink);background:#e8eaef}
.tabs a[aria-current=page]{background:var(--card);font-weight:600;border-color:#9aa3b2}
.branches ol{list-style:none;padding:0;margin:0 0 8px;display:flex;flex-wrap:wrap;gap:6px}
.branches a{display:block;border:1px solid var(--line);background:var(--card);border-radius:8px;padding:4px 10px;text-decoration:none;color:var(--ink);font-size:14px}
.branches a[aria-current=true]{border-color:#1a4fc4;box-shadow:inset 0 0 0 2px #1a4fc4}
.branches .sub{display:block}
.fork{font-size:13px;color:#4b5565;border-top:1px dashed #9aa3b2;padding-top:4px;margin:10px 0}
.branch{border-top:none;margin-top:6px}
.kind-auditor{border-left-color:#475569;background:#f1f5f9}
mark.flash,.msg.flash{outline:3px solid #b45309;outline-offset:2px}
.heat-wrap{overflow-x:auto}
table.heat td{text-align:center;min-width:86px}
table.heat .n{font-size:11px;color:#3b4252}
table.heat .ci{display:block;font-size:11px;color:#3b4252}
table.compare{table-layout:fixed}
table.compare th[scope=row]{width:70px}
table.compare td{vertical-align:top}
ul.seeds{padding-left:18px}ul.seeds li{margin-bottom:12px}
.compare-form{margin-top:4px;display:flex;gap:8px;flex-wrap:wrap;align-items:center}
details.calls summary{cursor:pointer;margin:8px 0}
tr.failed td{background:#fff1f0}
.bad-0{background:hsl(2 75% 97%)}.good-0{background:hsl(215 75% 97%)}
.bad-1{background:hsl(2 75% 94%)}.good-1{background:hsl(215 75% 94%)}
.bad-2{background:hsl(2 75% 90%)}.good-2{background:hsl(215 75% 90%)}
.bad-3{background:hsl(2 75% 87%)}.good-3{background:hsl(215 75% 87%)}
.bad-4{background:hsl(2 75% 84%)}.good-4{background:hsl(215 75% 84%)}
.bad-5{background:hsl(2 75% 80%)}.good-5{background:hsl(215 75% 80%)}
.bad-6{background:hsl(2 75% 77%)}.good-6{background:hsl(215 75% 77%)}
.bad-7{background:hsl(2 75% 74%)}.good-7{background:hsl(215 75% 74%)}
.bad-8{background:hsl(2 75% 71%)}.good-8{background:hsl(215 75% 71%)}
.bad-9{background:hsl(2 75% 67%)}.good-9{background:hsl(215 75% 67%)}
`;

export const VIEWER_CSS = TRANSCRIPT_STYLE + VIEWER_STYLE;
