import { Html, html, page } from "@medallion/local/ui/html";
import { describe, expect, it } from "vitest";

describe("html", () => {
  it("escapes every interpolated value that is not already HTML", () => {
    // Act
    const out = html`<td title="${'"><script>'}">${"<b>&</b>"}${new Html("<i>kept</i>")}${[1, null, false, "x"]}</td>`;

    // Assess
    expect(out.text).toBe('<td title="&quot;&gt;&lt;script&gt;">&lt;b&gt;&amp;&lt;/b&gt;<i>kept</i>1x</td>');
  });
});

describe("page", () => {
  it("links every view and subscribes to updates only when live", () => {
    // Act
    const snapshot = page({ view: "flow", title: "Flow", body: html`<p>x</p>`, live: false });
    const live = page({ view: "runs", title: "Runs", body: html`<p>x</p>`, live: true });

    // Assess
    for (const view of ["runs", "flow", "tables", "lineage"]) expect(snapshot).toContain(`href="/${view}"`);
    expect(snapshot).toContain('<a href="/flow" class="on">');
    expect(snapshot).not.toContain("EventSource");
    expect(live).toContain('new EventSource("/events")');
  });
});
