import { formatUsd } from "@medallion/core/cost";
import { journeyStatusSchema } from "@medallion/core/journey";
import type { LedgerEntry } from "@medallion/core/ledger";
import type { JourneyJson } from "../commands/journeys";
import { costText } from "../commands/journeys";
import { duration } from "../commands/text-table";
import type { Flow, Lineage, RunFilters, Tables } from "./data";

/** HTML text that is already safe: what {@link html} returns and accepts unescaped. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

type Part = Html | string | number | null | undefined | false | readonly Part[];

const render = (part: Part): string =>
  part === null || part === undefined || part === false
    ? ""
    : part instanceof Html
      ? part.text
      : Array.isArray(part)
        ? part.map(render).join("")
        : escapeHtml(String(part));

/**
 * A template of HTML: every interpolated value is escaped unless it is {@link Html} itself.
 * @example html`<td>${name}</td>` // name's <, >, & and quotes escaped
 */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  return new Html(strings.reduce((out, text, i) => out + text + (i < values.length ? render(values[i]!) : ""), ""));
}

/** The page's views, in the navigation's order. */
export const views = ["runs", "flow", "tables", "lineage"] as const;

/** A view's name. */
export type View = (typeof views)[number];

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
header{background:#24292f;color:#fff;padding:10px 24px;display:flex;gap:24px;align-items:center}
header b{font-size:16px}header a{color:#d0d7de;text-decoration:none;padding:4px 8px;border-radius:6px}
header a.on{background:#57606a;color:#fff}main{padding:16px 24px;max-width:1280px}
h2{margin:16px 0 8px;font-size:18px}h3{margin:14px 0 6px;font-size:15px}
table{border-collapse:collapse;background:#fff;margin:6px 0 14px;width:100%}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eaeef2;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
.completed{color:#1a7f37}.failed{color:#cf222e}.in_progress{color:#9a6700}.muted{color:#57606a}
.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px 16px;margin:10px 0}
.flow{display:flex;gap:8px;align-items:center;flex-wrap:wrap}.box{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:8px 12px;min-width:120px}
.box b{display:block;font-size:20px}.arrow{color:#57606a;font-size:20px}.ok{color:#1a7f37;font-weight:600}.bad{color:#cf222e;font-weight:600}
form{margin:8px 0}select,input,button{font:inherit;padding:2px 6px}code{font-size:12px;word-break:break-all}
.err{color:#cf222e}.bar{display:inline-block;height:10px;background:#54aeff;border-radius:2px;vertical-align:middle}
`;

/**
 * The page around a view: navigation, style, and (when the server pushes changes) the script
 * that reloads the view when the lake changes.
 * @param options the view shown, its title and body, and whether updates are pushed
 */
export function page({ view, title, body, live }: { view: View; title: string; body: Html; live: boolean }): string {
  const nav = views.map(
    (name) =>
      html`<a href="/${name}" class="${name === view ? "on" : ""}">${name[0]!.toUpperCase()}${name.slice(1)}</a>`,
  );
  const script = live ? html`<script>new EventSource("/events").onmessage=function(){location.reload()}</script>` : "";
  return `<!doctype html>${html`<html lang="en"><head><meta charset="utf-8"><title>medallion · ${title}</title><link rel="icon" href="data:,"><style>${new Html(STYLE)}</style></head><body><header><b>medallion</b>${nav}<span class="muted" id="live">${live ? "live: updates as files arrive and runs finish" : "read-only snapshot"}</span></header><main>${body}</main>${script}</body></html>`}`;
}

const statusClass = (status: string) => status;

// A run's timeline: one row per dataset, each journey a bar from its start for its duration.
function timeline(runs: JourneyJson[]): Html {
  if (runs.length === 0) return html`<p class="muted">No runs yet.</p>`;
  const start = Math.min(...runs.map((run) => Date.parse(run.createdAt)));
  const end = Math.max(...runs.map((run) => Date.parse(run.createdAt) + (run.durationMs ?? 0)), start + 1000);
  const datasets = [...new Set(runs.map((run) => run.dataset ?? "?"))].sort();
  const width = 1000;
  const label = 140;
  const row = 28;
  const x = (ms: number) => label + ((ms - start) / (end - start)) * (width - label - 10);
  const colour: Record<string, string> = {
    completed: "#2da44e",
    failed: "#cf222e",
    in_progress: "#bf8700",
    pending: "#8c959f",
  };
  const bars = runs.map((run) => {
    const y = datasets.indexOf(run.dataset ?? "?") * row + 6;
    const from = x(Date.parse(run.createdAt));
    const to = x(Date.parse(run.createdAt) + (run.durationMs ?? 0));
    return html`<rect x="${from.toFixed(1)}" y="${y}" width="${Math.max(4, to - from).toFixed(1)}" height="16" rx="2" fill="${colour[run.status] ?? "#8c959f"}"><title>${run.journeyId} ${run.status} ${run.durationMs === null ? "" : duration(run.durationMs)}</title></rect>`;
  });
  const names = datasets.map((name, i) => html`<text x="0" y="${i * row + 19}" font-size="13">${name}</text>`);
  const height = datasets.length * row + 24;
  return html`<svg role="img" aria-label="runs timeline" width="100%" viewBox="0 0 ${width} ${height}" style="background:#fff;border:1px solid #d0d7de;border-radius:8px">${names}${bars}<text x="${label}" y="${height - 4}" font-size="11" fill="#57606a">${new Date(start).toISOString().slice(0, 19).replace("T", " ")} UTC</text><text x="${width - 10}" y="${height - 4}" font-size="11" fill="#57606a" text-anchor="end">${new Date(end).toISOString().slice(0, 19).replace("T", " ")} UTC</text></svg>`;
}

/**
 * The Runs view: a timeline per dataset, filters, then each run with its steps, error and cost.
 * @param runs the journeys shown
 * @param filters the filters applied
 * @param datasets the datasets to filter by
 */
export function runsView(runs: JourneyJson[], filters: RunFilters, datasets: string[]): Html {
  const option = (value: string, selected: string | undefined) =>
    html`<option value="${value}" ${value === (selected ?? "") ? new Html("selected") : ""}>${value || "all"}</option>`;
  const form = html`<form method="get" action="/runs">dataset <select name="dataset">${["", ...datasets].map((d) => option(d, filters.dataset))}</select> status <select name="status">${["", ...journeyStatusSchema.options].map((s) => option(s, filters.status))}</select> <button type="submit">filter</button></form>`;
  const longest = Math.max(1, ...runs.flatMap((run) => run.steps.map((step) => step.durationMs)));
  const cards = runs.map(
    (
      run,
    ) => html`<div class="card run" data-journey="${run.journeyId}"><b>${run.dataset ?? "?"}</b> · <span class="${statusClass(run.status)}">${run.status}</span> · started ${run.createdAt.slice(0, 19).replace("T", " ")} UTC · ${run.durationMs === null ? "running" : duration(run.durationMs)} · <span class="cost">cost ${costText(run.cost)}</span><br><code>${run.journeyId}</code>${run.window ? html` · window ${run.window.kind} ${run.window.from} → ${run.window.to}` : ""}
${run.error ? html`<p class="err">${run.error.name}: ${run.error.message}</p>` : ""}
<table><tr><th>step</th><th>status</th><th>layer</th><th>partition / file</th><th>in</th><th>out</th><th>duration</th><th>cost</th></tr>${run.steps.map(
      (step) =>
        html`<tr><td>${step.step}</td><td class="${step.status === "failed" ? "failed" : ""}">${step.status}</td><td>${step.layer ?? ""}</td><td>${step.partition ?? step.file ?? ""}</td><td class="n">${step.recordsIn ?? ""}</td><td class="n">${step.recordsOut ?? ""}</td><td><span class="bar" style="width:${Math.round((step.durationMs / longest) * 120)}px"></span> ${step.durationMs} ms</td><td class="n">${step.costUsd === null ? "" : formatUsd(step.costUsd)}</td></tr>`,
    )}</table></div>`,
  );
  return html`<h2>Runs</h2>${form}${timeline(runs)}<p class="muted">${runs.length} run(s), newest first; total cost ${formatUsd(runs.reduce((n, run) => n + run.cost.total, 0))} at AWS's published prices.</p>${cards}`;
}

/**
 * The Flow view of one dataset: files → records → bronze + quarantine → silver → gold, with the
 * conservation law (every record read landed in bronze or quarantine, none twice).
 * @param flow the counts
 * @param datasets the datasets to choose from
 */
export function flowView(flow: Flow, datasets: string[]): Html {
  const holds = flow.recordsIn === flow.recordsBronze + flow.recordsQuarantined;
  const box = (label: string, value: number, extra: Html | string = "") =>
    html`<div class="box"><span class="muted">${label}</span><b>${value.toLocaleString("en")}</b>${extra}</div>`;
  const chooser = html`<form method="get" action="/flow">dataset <select name="dataset">${datasets.map((d) => html`<option ${d === flow.dataset ? new Html("selected") : ""}>${d}</option>`)}</select> <button type="submit">show</button></form>`;
  return html`<h2>Flow: ${flow.dataset}</h2>${chooser}
<div class="flow">${box("landing files", flow.landingFiles, html`<span class="muted">${flow.filesQuarantinedWhole} quarantined whole</span>`)}<span class="arrow">→</span>${box("records in", flow.recordsIn)}<span class="arrow">→</span>${box("bronze records", flow.recordsBronze)}${box("quarantined records", flow.recordsQuarantined)}<span class="arrow">→</span>${box("silver rows", flow.silverRows)}<span class="arrow">→</span>${flow.gold.map((g) => box(`gold ${g.table}`, g.rows))}</div>
<p class="law ${holds ? "ok" : "bad"}">Conservation: records in ${flow.recordsIn} ${holds ? "=" : "≠"} bronze ${flow.recordsBronze} + quarantined ${flow.recordsQuarantined} ${holds ? "✓ nothing lost, nothing counted twice" : "✗"}</p>
<p class="muted">Silver keeps one row per dedup key, so silver rows may be fewer than bronze records; gold rows are aggregates.</p>
<h3>Quarantined records by reason</h3>${
    flow.reasons.length
      ? html`<table><tr><th>reason</th><th>records</th><th>sample record</th></tr>${flow.reasons.map((r) => html`<tr><td>${r.reason}</td><td class="n">${r.records}</td><td><code>${(r.sample ?? "").slice(0, 300)}</code></td></tr>`)}</table>`
      : html`<p class="muted">No record quarantined.</p>`
  }`;
}

/**
 * The Tables view: silver partitions, gold tables, congregado items.
 * @param tables what {@link readTables} read
 */
export function tablesView(tables: Tables): Html {
  const silver = tables.silver.map(
    (s) =>
      html`<h3>silver.${s.dataset}</h3>${
        s.partitions.length
          ? html`<table><tr><th>partition</th><th>current version</th><th>rows</th><th>previous versions kept</th></tr>${s.partitions.map((p) => html`<tr><td>${p.partition}</td><td><code>${p.version}</code></td><td class="n">${p.rows}</td><td>${p.previousVersions.length ? p.previousVersions.join(", ") : html`<span class="muted">none</span>`}</td></tr>`)}</table>`
          : html`<p class="muted">No partition yet.</p>`
      }`,
  );
  const gold = html`<table><tr><th>table</th><th>dataset</th><th>rows</th><th>last MERGE</th><th>inserted</th><th>updated</th><th>deleted</th></tr>${tables.gold.map((g) => html`<tr><td>${g.table}</td><td>${g.dataset}</td><td class="n">${g.rows}</td><td>${g.lastMerge ? `${g.lastMerge.at.slice(0, 19).replace("T", " ")} UTC` : "never"}</td><td class="n">${g.lastMerge?.inserted ?? ""}</td><td class="n">${g.lastMerge?.updated ?? ""}</td><td class="n">${g.lastMerge?.deleted ?? ""}</td></tr>`)}</table>`;
  const congregado = tables.congregado.length
    ? html`<table><tr><th>id</th><th>version</th><th>records</th><th>content hash</th><th>updated</th></tr>${tables.congregado.map((c) => html`<tr><td>${c.id}</td><td class="n">${c.version}</td><td class="n">${c.recordCount}</td><td><code>${c.contentHash.slice(0, 16)}…</code></td><td>${c.updatedAt.slice(0, 19).replace("T", " ")} UTC</td></tr>`)}</table>`
    : html`<p class="muted">No congregado yet.</p>`;
  return html`<h2>Tables</h2><h3>Silver partitions</h3>${silver}<h3>Gold tables</h3>${gold}<h3>Congregado</h3>${congregado}`;
}

/**
 * The Lineage view: a file chooser, then where the chosen landing file went.
 * @param options the dataset, its files, and the chosen file's lineage
 */
export function lineageView({
  dataset,
  datasets,
  files,
  lineage,
}: {
  dataset: string;
  datasets: string[];
  files: LedgerEntry[];
  lineage: Lineage | null;
}): Html {
  const chooser = html`<form method="get" action="/lineage">dataset <select name="dataset">${datasets.map((d) => html`<option ${d === dataset ? new Html("selected") : ""}>${d}</option>`)}</select> file <select name="file">${files.map((f) => html`<option value="${f.file_id}" ${f.file_id === lineage?.entry.file_id ? new Html("selected") : ""}>${f.source_key}</option>`)}</select> <button type="submit">trace</button></form>`;
  if (!lineage)
    return html`<h2>Lineage</h2>${chooser}<p class="muted">${files.length ? "No such landing file in this dataset: choose one above." : "No landing file ingested yet."}</p>`;
  const { entry, run, gold } = lineage;
  return html`<h2>Lineage of ${entry.source_key}</h2>${chooser}
<table class="lineage"><tr><th>landing file</th><td><code>${entry.source_key}</code> (ETag ${entry.etag}), ingested ${entry.ingested_at.slice(0, 19).replace("T", " ")} UTC: ${entry.records_in} records</td></tr>
<tr><th>bronze object</th><td>${entry.bronze_key ? html`<code>${entry.bronze_key}</code>: ${entry.records_bronze} records` : html`<span class="err">none: quarantined whole (${entry.reason ?? "no reason"})</span>`}</td></tr>
<tr><th>quarantine</th><td>${entry.records_quarantined} records${entry.quarantine_keys.length ? html` in ${entry.quarantine_keys.map((k) => html`<code>${k}</code> `)}` : ""}</td></tr>
<tr><th>silver version</th><td>${entry.status === "quarantined" ? html`<span class="muted">none: no record reached bronze</span>` : entry.silver_version ? html`<code>${entry.silver_version}</code>, consolidated ${entry.consolidated_at?.slice(0, 19).replace("T", " ") ?? ""} UTC${run ? html` by run <code>${run.journeyId}</code>` : ""}` : html`<span class="muted">not consolidated yet (pending)</span>`}</td></tr>
<tr><th>gold windows recomputed</th><td>${gold.length ? gold.map((g) => html`${g.table}: ${g.windows} window(s), ${g.inserted} inserted, ${g.updated} updated, ${g.deleted} deleted<br>`) : html`<span class="muted">none</span>`}</td></tr></table>`;
}
