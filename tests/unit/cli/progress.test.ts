import { describe, expect, it } from 'vitest';
import { progressReporter, renderBar, renderEpoch } from '../../../ts/cli/progress.js';
import type { ProgressEvent } from '../../../ts/train/train.js';

const step: ProgressEvent = {
  kind: 'step',
  epoch: 1,
  epochs: 4,
  step: 50,
  stepsPerEpoch: 100,
  globalStep: 150,
  totalSteps: 400,
  loss: 0.123456,
  lr: 1e-3,
  samplesPerSec: 2048.4,
  etaSeconds: 125,
};

function capture(tty: boolean) {
  let text = '';
  const stream = { isTTY: tty, columns: 80, write: (s: string) => ((text += s), true) } as unknown as NodeJS.WriteStream;
  return { report: progressReporter(stream, tty), text: () => text };
}

describe('training progress', () => {
  it('draws a bar with progress, epoch, step, loss, throughput and ETA within the terminal width', () => {
    const bar = renderBar(step, 120);
    expect(bar).toMatch(/^\[#+-+\] {2}38% epoch 2\/4 step 50\/100 loss 0\.1235 2048 samples\/s eta 2m05s$/);
    expect(renderBar(step, 60).length).toBeLessThanOrEqual(60);
    expect(renderBar({ ...step, globalStep: 400 }, 120)).toMatch(/^\[#+\] 100%/);
  });

  it('redraws the bar in place on a terminal and ends it before an epoch line', () => {
    const c = capture(true);
    c.report(step);
    c.report({ ...step, step: 51, globalStep: 151 });
    c.report({ ...step, kind: 'epoch', valLoss: 0.2, improved: true });
    const parts = c.text().split('\r\x1b[K');
    expect(parts.filter(Boolean)).toHaveLength(3);
    expect(c.text().endsWith(`${renderEpoch({ ...step, kind: 'epoch', valLoss: 0.2, improved: true })}\n`)).toBe(true);
  });

  it('prints only epoch lines, no control characters, when not a terminal', () => {
    const c = capture(false);
    c.report(step);
    c.report({ ...step, kind: 'epoch', valLoss: 0.25 });
    expect(c.text()).toBe('epoch 2/4 train 0.1235 val 0.2500 (2048 samples/s)\n');
  });
});
