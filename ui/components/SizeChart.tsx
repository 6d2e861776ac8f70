/**
 * SVG chart of a backup across its versions: total size (area, left axis) and file count (line,
 * right axis), oldest version left. A table with the same numbers follows for screen readers.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Fileset } from "../types.ts";
import { formatDate, formatSize, parseApiDate } from "../lib/format.ts";

/** Round-ish axis maximum at or above v. */
export function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** Axis maximum for a file count: a multiple of 4, so the quarter ticks are whole numbers. */
export function niceCount(v: number): number {
  return Math.max(4, Math.ceil(niceMax(v) / 4) * 4);
}

/** Round-ish axis maximum for a byte count, in binary units (1.5 MB, not 1.43 MB). */
export function niceBytes(v: number): number {
  if (v <= 0) return 1024;
  let unit = 1;
  while (v / unit >= 1000) unit *= 1024;
  return niceMax(v / unit) * unit;
}

/**
 * The width of an element in CSS pixels, following resizes, so an SVG can be drawn at its real
 * size (text stays readable at phone width instead of being scaled down with the drawing).
 */
function useWidth(fallback: number) {
  const ref = useRef<HTMLElement>(null);
  const [w, setW] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => {
      const cw = Math.round(el.clientWidth);
      if (cw > 0) setW(cw);
    };
    measure();
    if (typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, w] as const;
}

/**
 * The chart. With `versionHref`, each version's point is a link (keyboard reachable), e.g. to
 * restore from that version.
 */
export function SizeChart(
  props: {
    filesets: Fileset[];
    selected?: number;
    versionHref?: (version: number) => string;
  },
) {
  const [ref, width] = useWidth(640);
  const pts = props.filesets
    .map((f) => ({ f, t: parseApiDate(f.Time)?.getTime() ?? 0 }))
    .sort((a, b) => a.t - b.t);
  if (pts.length === 0) return <p class="muted">No versions yet.</p>;
  const W = Math.max(260, width);
  const H = W < 480 ? 180 : 220;
  const L = 64;
  const R = 44;
  const T = 12;
  const B = 34;
  const maxSize = niceBytes(Math.max(...pts.map((p) => p.f.FileSizes ?? 0)));
  const maxCount = niceCount(Math.max(...pts.map((p) => p.f.FileCount ?? 0)));
  const t0 = pts[0].t;
  const t1 = pts[pts.length - 1].t;
  const x = (i: number) =>
    pts.length === 1 ? L + (W - L - R) / 2 : L + ((pts[i].t - t0) / (t1 - t0 || 1)) * (W - L - R);
  const ySize = (v: number) => T + (1 - v / maxSize) * (H - T - B);
  const yCount = (v: number) => T + (1 - v / maxCount) * (H - T - B);
  const sizeLine = pts.map((p, i) => `${x(i).toFixed(1)},${ySize(p.f.FileSizes ?? 0).toFixed(1)}`);
  const area = `M${x(0).toFixed(1)},${H - B} L${sizeLine.join(" L")} L${
    x(pts.length - 1).toFixed(1)
  },${H - B} Z`;
  const countLine = pts.map((p, i) => `${x(i).toFixed(1)},${yCount(p.f.FileCount ?? 0).toFixed(1)}`)
    .join(" ");
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  // Axis labels: dates, or times when all versions lie within two days.
  const short = (t: number) =>
    t1 - t0 < 2 * 86_400_000
      ? new Date(t).toLocaleTimeString(undefined, {
        timeStyle: t1 - t0 < 3_600_000 ? "medium" : "short",
      })
      : new Date(t).toLocaleDateString(undefined, { month: "short", day: "numeric" });
  return (
    <figure class="chart" ref={ref}>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        width={W}
        height={H}
        role="img"
        aria-labelledby="chart-title"
      >
        <title id="chart-title">
          Backup size and file count for {pts.length} versions, from {formatDate(t0)} to{" "}
          {formatDate(t1)}
        </title>
        {ticks.map((k) => (
          <g key={k}>
            <line class="grid" x1={L} x2={W - R} y1={ySize(k * maxSize)} y2={ySize(k * maxSize)} />
            <text class="axis" x={L - 6} y={ySize(k * maxSize) + 4} text-anchor="end">
              {formatSize(k * maxSize)}
            </text>
            <text class="axis count" x={W - R + 6} y={yCount(k * maxCount) + 4}>
              {Math.round(k * maxCount).toLocaleString()}
            </text>
          </g>
        ))}
        <path class="size-area" d={area} />
        <polyline class="size-line" points={sizeLine.join(" ")} />
        <polyline class="count-line" points={countLine} />
        {pts.map((p, i) => {
          const label = `Version ${p.f.Version}: ${formatDate(p.t)}, ${
            formatSize(p.f.FileSizes ?? 0)
          }, ${(p.f.FileCount ?? 0).toLocaleString()} files`;
          const dot = (
            <circle
              class={props.selected === p.f.Version ? "pt selected" : "pt"}
              cx={x(i)}
              cy={ySize(p.f.FileSizes ?? 0)}
              r={props.selected === p.f.Version ? 6 : 4.5}
            >
              <title>{label}</title>
            </circle>
          );
          return (
            <g key={p.f.Version}>
              <rect
                class="pt-count"
                x={x(i) - 3}
                y={yCount(p.f.FileCount ?? 0) - 3}
                width={6}
                height={6}
              />
              {props.versionHref
                ? (
                  <a
                    class="pt-link"
                    href={props.versionHref(p.f.Version)}
                    aria-label={`Restore from ${label}`}
                  >
                    {dot}
                  </a>
                )
                : dot}
            </g>
          );
        })}
        <text class="axis" x={L} y={H - 10}>{short(t0)}</text>
        {pts.length > 1 && (
          <text class="axis" x={W - R} y={H - 10} text-anchor="end">{short(t1)}</text>
        )}
      </svg>
      <figcaption class="legend small">
        <span class="key size"></span> Size of the source files <span class="key count"></span>{" "}
        Number of files
      </figcaption>
      {props.versionHref && (
        <p class="muted small chart-hint">Select a point to restore files from that version.</p>
      )}
      <details class="small">
        <summary>Show as table</summary>
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Time</th>
              <th scope="col">Files</th>
              <th scope="col">Size</th>
            </tr>
          </thead>
          <tbody>
            {[...pts].reverse().map((p) => (
              <tr key={p.f.Version}>
                <td>{p.f.Version}</td>
                <td>{formatDate(p.t)}</td>
                <td>{(p.f.FileCount ?? 0).toLocaleString()}</td>
                <td>{formatSize(p.f.FileSizes ?? 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
