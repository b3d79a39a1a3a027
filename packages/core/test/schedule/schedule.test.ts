import { Cron } from "croner";
import { describe, expect, it } from "vitest";
import { eventBridgeCron, pipelineSchedules } from "../../src/schedule/schedule";

describe("pipelineSchedules", () => {
  it("fires hourly and daily at 02:00 UTC, the same instants on EventBridge and croner", () => {
    // Prepare
    const byName = Object.fromEntries(pipelineSchedules.map((s) => [s.name, s]));
    // Act
    const hourly = new Cron(byName.hourly!.cron, { timezone: "UTC", paused: true }).nextRun(
      new Date("2024-05-01T10:30:00Z"),
    );
    const daily = new Cron(byName.daily!.cron, { timezone: "UTC", paused: true }).nextRun(
      new Date("2024-05-01T10:30:00Z"),
    );
    // Assess
    expect(hourly?.toISOString()).toBe("2024-05-01T11:05:00.000Z");
    expect(daily?.toISOString()).toBe("2024-05-02T02:00:00.000Z");
    expect(byName.daily!.window).toBe("daily");
    expect(eventBridgeCron(byName.daily!.cron)).toBe("cron(0 2 * * ? *)");
    expect(eventBridgeCron(byName.hourly!.cron)).toBe("cron(5 * * * ? *)");
  });

  it("puts '?' in day-of-month when a day of week is given, and rejects other shapes", () => {
    expect(eventBridgeCron("0 3 * * MON")).toBe("cron(0 3 ? * MON *)");
    expect(() => eventBridgeCron("0 3 * *")).toThrow(/5-field/);
    expect(() => eventBridgeCron("0 3 * * 1")).toThrow(/weekday names/);
  });
});
