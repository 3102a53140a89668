/**
 * Geometry of every report chart as Chromium lays it out: each `<figure>`'s inline Vega SVG is read
 * through DOM bounding boxes (real fonts, real text widths), so a mark drawn past the plot, a label
 * or legend cut by the SVG's edge, or a legend laid over the plot shows up as a problem line.
 */
import type { Page } from 'puppeteer-core';

type Box = { x: number; y: number; w: number; h: number };
/** An axis tick: its label, the tick's position and the centre of its label along the axis (page pixels). */
type Tick = { label: string; pos: number; labelPos: number };

export interface ChartGeometry {
  id: string;
  /** The SVG's box and the plot area (the root group's background) in page pixels. */
  svg: Box;
  plot: Box;
  /** One line per defect: what, which element, where. */
  problems: string[];
  /** Texts drawn as data marks (e.g. error-grid zone labels) and their boxes. */
  markTexts: Array<{ text: string; box: Box }>;
  legendLabels: string[];
  /** Rect marks (bars): their boxes. */
  rects: Box[];
  /** Axis ticks: label and position (x: page x of the tick, y: page y). */
  ticks: { x: Tick[]; y: Tick[] };
}

/**
 * Runs in the page. Kept as source text (not a function passed to page.evaluate) so that no helper
 * the test transpiler adds (e.g. `__name`) ends up in the page, where it does not exist.
 */
const IN_PAGE = String.raw`(() => {
  const TOL = 1.5;
  const box = (el) => { const r = el.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; };
  const inside = (b, o, tol) => b.x >= o.x - tol && b.y >= o.y - tol && b.x + b.w <= o.x + o.w + tol && b.y + b.h <= o.y + o.h + tol;
  const overlaps = (a, b) => a.x < b.x + b.w - 1 && b.x < a.x + a.w - 1 && a.y < b.y + b.h - 1 && b.y < a.y + a.h - 1;
  const fmtBox = (b) => '[' + [b.x, b.y, b.w, b.h].map((v) => v.toFixed(0)).join(',') + ']';
  const what = (el) => {
    const g = el.closest('g[class]');
    const cls = g ? g.getAttribute('class').split(' ').filter((c) => c.startsWith('role-') || c.startsWith('mark-')).join('.') : '';
    const t = el.tagName === 'text' ? ' "' + el.textContent + '"' : '';
    return el.tagName + (cls ? '.' + cls : '') + t;
  };
  const drawn = (el) => {
    const b = box(el);
    if (b.w === 0 && b.h === 0) return false;
    if (el.closest('[display="none"]')) return false;
    if (el.tagName === 'text' && !el.textContent.trim()) return false;
    return true;
  };
  return Array.from(document.querySelectorAll('figure')).map((fig) => {
    const svg = fig.querySelector('svg');
    const problems = [];
    const out = { id: fig.id, svg: box(svg), plot: { x: 0, y: 0, w: 0, h: 0 }, problems, markTexts: [], legendLabels: [], rects: [], ticks: { x: [], y: [] } };
    const bg = svg.querySelector('g.role-frame.root > g > path.background');
    if (!bg) { problems.push('no plot area (root frame background) found'); return out; }
    out.plot = box(bg);
    const elems = Array.from(svg.querySelectorAll('path, line, rect, circle, text')).filter((el) => el !== bg && el.parentElement !== svg && drawn(el));
    for (const el of elems) {
      const b = box(el);
      if (!inside(b, out.svg, TOL)) problems.push('outside the SVG: ' + what(el) + ' ' + fmtBox(b) + ' not in ' + fmtBox(out.svg));
      if (el.tagName === 'text' && el.textContent.endsWith('…')) problems.push('truncated text: ' + what(el));
      // Data marks stay in the plot (a clipped mark group is cut to it by its clip path).
      const mark = el.closest('g.role-mark');
      if (mark && !el.closest('[clip-path]')) {
        // points are drawn around their position: allow their radius at the plot's edge
        const tol = el.closest('g.mark-symbol') ? Math.max(TOL, b.w / 2 + 0.5) : TOL;
        if (!inside(b, out.plot, tol)) problems.push('mark outside the plot: ' + what(el) + ' ' + fmtBox(b) + ' not in ' + fmtBox(out.plot));
      }
      if (mark && el.tagName === 'text') out.markTexts.push({ text: el.textContent, box: b });
      if (mark && el.tagName === 'path' && el.closest('g.mark-rect')) out.rects.push(b);
    }
    for (const ax of svg.querySelectorAll('g.role-axis[aria-label]')) {
      const dir = ax.getAttribute('aria-label').startsWith('X-axis') ? 'x' : 'y';
      const ticks = Array.from(ax.querySelectorAll('g.role-axis-tick line'));
      const labels = Array.from(ax.querySelectorAll('g.role-axis-label text'));
      ticks.forEach((t, i) => {
        const b = box(t);
        const l = labels[i] ? box(labels[i]) : b;
        out.ticks[dir].push({
          label: labels[i] ? labels[i].textContent.replace('\u2212', '-') : '',
          pos: dir === 'x' ? b.x + b.w / 2 : b.y + b.h / 2,
          labelPos: dir === 'x' ? l.x + l.w / 2 : l.y + l.h / 2,
        });
      });
    }
    for (const lg of svg.querySelectorAll('g.role-legend')) {
      const b = box(lg);
      if (!inside(b, out.svg, TOL)) problems.push('legend cut by the SVG edge: ' + fmtBox(b) + ' not in ' + fmtBox(out.svg));
      if (overlaps(b, out.plot)) problems.push('legend over the plot: ' + fmtBox(b) + ' and ' + fmtBox(out.plot));
      for (const t of lg.querySelectorAll('g.role-legend-label text')) out.legendLabels.push(t.textContent);
    }
    return out;
  });
})()`;

export const chartGeometry = (page: Page): Promise<ChartGeometry[]> => page.evaluate(IN_PAGE) as Promise<ChartGeometry[]>;
