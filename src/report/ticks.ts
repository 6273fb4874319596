/** Tick spacings a person reads easily on a duration axis, from 1 ms to 6 h. */
const TICK_STEPS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000,
  900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000,
];

/** The smallest readable step (at least `minStep`) that divides `span` into at most `maxTicks` ticks. */
export function tickStep(span: number, maxTicks = 10, minStep = 1): number {
  return (
    TICK_STEPS.find((s) => s >= minStep && span / s <= maxTicks) ?? Math.ceil(span / maxTicks / 3_600_000) * 3_600_000
  );
}

/** An SVG coordinate or length with one decimal at most: shorter pages, no float noise in diffs. */
export const svgNumber = (x: number): string => (Math.round(x * 10) / 10).toString();
