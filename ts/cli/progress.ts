/**
 * Training progress on stderr: a redrawn bar on a terminal (step, loss, throughput, ETA), plain lines
 * otherwise (epoch summaries only, so logs of long runs stay readable).
 */
import type { ProgressEvent } from '../train/train.js';

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600),
    m = Math.floor((s % 3600) / 60),
    r = s % 60;
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}

/** One bar line for a step event, at most `width` columns. */
export function renderBar(e: ProgressEvent, width = 100): string {
  const frac = e.totalSteps > 0 ? Math.min(1, e.globalStep / e.totalSteps) : 0;
  const info = ` ${(frac * 100).toFixed(0).padStart(3)}% epoch ${e.epoch + 1}/${e.epochs} step ${e.step}/${e.stepsPerEpoch} loss ${e.loss.toFixed(4)} ${e.samplesPerSec.toFixed(0)} samples/s eta ${duration(e.etaSeconds)}`;
  const barWidth = Math.max(10, Math.min(30, width - info.length - 2));
  const filled = Math.round(frac * barWidth);
  return `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]${info}`.slice(0, width);
}

export function renderEpoch(e: ProgressEvent): string {
  const val = e.valLoss === undefined ? '' : ` val ${e.valLoss.toFixed(4)}`;
  return `epoch ${e.epoch + 1}/${e.epochs} train ${e.loss.toFixed(4)}${val}${e.improved ? ' *' : ''} (${e.samplesPerSec.toFixed(0)} samples/s)`;
}

/** A progress reporter writing to `stream`; `tty` decides between the redrawn bar and plain lines. */
export function progressReporter(stream: NodeJS.WriteStream, tty = Boolean(stream.isTTY)): (e: ProgressEvent) => void {
  let barShown = false;
  return (e) => {
    if (e.kind === 'epoch') {
      stream.write(`${barShown ? '\r\x1b[K' : ''}${renderEpoch(e)}\n`);
      barShown = false;
    } else if (tty) {
      stream.write(`\r\x1b[K${renderBar(e, stream.columns ?? 100)}`);
      barShown = true;
    }
  };
}
