/** The whole stylesheet: system fonts, light and dark through prefers-color-scheme, nothing fetched. */
export const CSS = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#656d76;--border:#d0d7de;--panel:#f6f8fa;
--accent:#0969da;--good:#1a7f37;--bad:#cf222e;--warn:#9a6700;--flaky:#bf8700;--skip:#8c959f;
--changed-bg:#ddf4ff;--uncovered-bg:#ffd7d5;--partial-bg:#fff1c2;--bar:#54aeff;--track:#eaeef2}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#8d96a0;--border:#30363d;--panel:#161b22;
--accent:#4493f8;--good:#3fb950;--bad:#f85149;--warn:#d29922;--flaky:#e3b341;--skip:#6e7681;
--changed-bg:#0c2d6b;--uncovered-bg:#5d1a1d;--partial-bg:#4b3a0a;--bar:#388bfd;--track:#21262d}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
html{scroll-padding-top:3.5rem}
header{padding:16px 24px 0}
header h1{margin:0 0 4px;font-size:20px}
header p{margin:0 0 12px;color:var(--muted)}
nav{display:flex;gap:4px;flex-wrap:wrap;position:sticky;top:0;z-index:1;padding:0 24px;background:var(--bg);border-bottom:1px solid var(--border)}
nav a{padding:8px 14px;color:var(--fg);text-decoration:none;border-bottom:2px solid transparent}
nav a[aria-selected=true]{border-bottom-color:var(--accent);font-weight:600}
nav a:hover{background:var(--panel)}
main{padding:16px 24px 48px;max-width:1400px}
html.js section.view{scroll-margin-top:100vh}
h2{font-size:17px;margin:24px 0 8px}h3{font-size:15px;margin:16px 0 6px}h4{margin:10px 0 4px}
code,pre,.src-line{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
pre{white-space:pre-wrap;word-break:break-word;margin:4px 0}
table{border-collapse:collapse;margin:8px 0;width:100%}
th,td{border-bottom:1px solid var(--border);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--panel);font-weight:600}
td.num,th.num{text-align:right;white-space:nowrap}
td code{word-break:break-all}
.muted,.note{color:var(--muted)}
.lead{font-size:15px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:8px 0 16px}
.card{border:1px solid var(--border);border-radius:8px;padding:10px 14px;min-width:160px;background:var(--panel)}
.card-value{font-size:22px;font-weight:600}.card-label{color:var(--muted)}.card-note{font-size:12px;color:var(--muted)}
.card.good .card-value{color:var(--good)}.card.bad .card-value{color:var(--bad)}.card.warn .card-value{color:var(--warn)}
.badge{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;font-weight:600;border:1px solid currentColor}
.badge.ok,.badge.passed,.badge.healthy{color:var(--good)}.badge.failed,.badge.broken,.badge.timedOut{color:var(--bad)}
.badge.flaky{color:var(--flaky)}.badge.off,.badge.skipped,.badge.unknown{color:var(--muted)}
.panel{border:1px solid var(--border);border-left-width:4px;border-radius:6px;padding:10px 14px;margin:12px 0;background:var(--panel)}
.panel.not-run,.panel.missing{border-left-color:var(--skip)}.panel.warn,.panel.all-selected{border-left-color:var(--warn)}
.panel.good{border-left-color:var(--good)}
.pbar{display:inline-block;width:120px;height:10px;background:var(--track);border-radius:5px;overflow:hidden;vertical-align:middle}
.pbar-fill{display:block;height:100%}.pbar-fill.good{background:var(--good)}.pbar-fill.warn{background:var(--warn)}.pbar-fill.bad{background:var(--bad)}
details.file{border:1px solid var(--border);border-radius:6px;margin:8px 0}
details.file>summary{padding:6px 10px;cursor:pointer;background:var(--panel)}
details.file>.note,details.file>.panel{margin:8px 10px}
.source{overflow-x:auto}
table.code{margin:0;width:100%}
table.code td{border:0;padding:0 8px;line-height:1.45}
table.code td.ln{width:1%;text-align:right;color:var(--muted);user-select:none;white-space:nowrap}
table.code td.mk{width:1%;text-align:center;user-select:none;white-space:nowrap}
table.code td.src-line{white-space:pre;word-break:normal}
table.code tr.changed td{background:var(--changed-bg)}
table.code tr.partial td{background:var(--partial-bg)}
table.code tr.uncovered td{background:var(--uncovered-bg)}
table.code tr.uncovered td.mk{color:var(--bad);font-weight:700}
table.code tr.skip td{color:var(--muted);font-style:italic;background:var(--panel);padding:2px 8px}
button.expand{font:inherit;font-style:italic;color:var(--accent);background:none;border:0;padding:0;cursor:pointer}
button.expand::after{content:' (show)'}button.expand[aria-expanded=true]::after{content:' (hide)'}
html:not(.js) button.expand{color:inherit;cursor:default}html:not(.js) button.expand::after{content:none}
.swatch{display:inline-block;min-width:1.6em;text-align:center;border-radius:3px;margin-left:8px}
.swatch.changed{background:var(--changed-bg)}.swatch.uncovered{background:var(--uncovered-bg);color:var(--bad)}.swatch.partial{background:var(--partial-bg)}
tr.more td,li.more,p.more{color:var(--muted);font-style:italic}
ul.reasons{margin:0;padding-left:16px}
.finding{border:1px solid var(--border);border-radius:8px;padding:4px 14px 10px;margin:12px 0}
.finding.broken{border-left:4px solid var(--bad)}.finding.flaky{border-left:4px solid var(--flaky)}
.facts{color:var(--muted)}
pre.evidence,pre.reason{background:var(--panel);padding:6px 8px;border-radius:4px;max-height:16em;overflow:auto}
.fix{margin:2px 0 8px}
figure{margin:8px 0}
figcaption{color:var(--muted);font-size:12px}
svg.chart{display:block;max-width:100%;height:auto}
svg text{fill:var(--fg);font-size:12px}svg text.axis{fill:var(--muted);font-size:10px}
.bar-track{fill:var(--track)}.bar{fill:var(--bar)}.bar.good{fill:var(--good)}
line.grid{stroke:var(--border)}
polyline.duration{stroke:var(--accent);stroke-width:1.5}circle.duration-dot{fill:var(--accent)}
.mark.passed,.dot.passed{fill:var(--good);background:var(--good)}
.mark.failed,.dot.failed{fill:var(--bad);background:var(--bad)}
.mark.flaky,.dot.flaky{fill:var(--flaky);background:var(--flaky)}
.mark.skipped,.mark.unknown,.dot.skipped,.dot.unknown{fill:var(--skip);background:var(--skip)}
.dot{display:inline-block;width:9px;height:9px;border-radius:2px;margin-right:4px;vertical-align:baseline}
.legend{margin-left:8px;white-space:nowrap}
table.kv{width:auto}table.kv th{background:none;font-weight:normal;color:var(--muted)}
footer{padding:0 24px 24px;color:var(--muted);font-size:12px}
@media print{nav{display:none}section.view[hidden]{display:block!important}tr.skip button::after{content:none}}
`;

/**
 * Shows the view the URL hash names (or the view holding the element it names; overview by default), and
 * unfolds the unchanged lines around a change on request. It reads no report data: without script every
 * view is visible, one under the other, and folded lines stay folded.
 *
 * A view's hash scrolls to the top of the page, header and tabs in sight: the browser's own jump to the
 * section is cancelled by its 100vh scroll margin (class js), and a switch of tabs scrolls up here.
 */
export const SCRIPT = `(function(){
document.documentElement.classList.add('js');
var views=Array.prototype.slice.call(document.querySelectorAll('main>section.view'));
var tabs=Array.prototype.slice.call(document.querySelectorAll('nav a[data-view]'));
function show(event){
var id='';try{id=decodeURIComponent(location.hash.slice(1));}catch(e){}
var target=id?document.getElementById(id):null;
var view=target&&target.closest('section.view');
if(!view)view=views[0];
views.forEach(function(v){v.hidden=v!==view;});
tabs.forEach(function(t){t.setAttribute('aria-selected',String(t.getAttribute('data-view')===view.id));});
if(target&&target!==view&&target.tagName==='DETAILS')target.open=true;
if(!event)return;
if(target&&target!==view)target.scrollIntoView();else window.scrollTo(0,0);
}
document.addEventListener('click',function(e){
var button=e.target.closest&&e.target.closest('button.expand');
if(!button)return;
var fold=button.closest('tbody').nextElementSibling;
var open=button.getAttribute('aria-expanded')!=='true';
button.setAttribute('aria-expanded',String(open));
fold.hidden=!open;
});
window.addEventListener('hashchange',show);
show();
})();`;
