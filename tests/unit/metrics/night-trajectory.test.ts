import { describe, expect, it } from 'vitest';
import { nightTrajectoryErrors } from '../../../ts/metrics/night-trajectory.js';

describe('night trajectory accuracy', () => {
  // 20-minute readings, 2-hour nights (3 steps an hour); the third night has no truth
  const truth = [100, 90, 80, 70, 75, 85, 120, NaN, 110, 100, 95, 90, NaN, NaN, NaN, NaN, NaN, NaN];
  const forecast = [102, 94, 83, 80, 72, 86, 118, 115, 112, 104, 99, 97, 60, 60, 60, 60, 60, 60];
  const r = nightTrajectoryErrors(forecast, truth, 3, 6, 20);

  it('RMSE, MAE and bias per hour of the night, by hand', () => {
    // hour 0 errors 2, 4, 3, -2, 2: bias 1.8, MAE 2.6, RMSE sqrt(37/5)
    expect(r.perHour[0]).toEqual({
      hour: 0,
      rmse: expect.closeTo(Math.sqrt(37 / 5), 12),
      mae: expect.closeTo(2.6, 12),
      bias: expect.closeTo(1.8, 12),
      points: 5,
    });
    // hour 1 errors 10, -3, 1, 4, 4, 7: bias 23/6, MAE 29/6, RMSE sqrt(191/6)
    expect(r.perHour[1]).toEqual({
      hour: 1,
      rmse: expect.closeTo(Math.sqrt(191 / 6), 12),
      mae: expect.closeTo(29 / 6, 12),
      bias: expect.closeTo(23 / 6, 12),
      points: 6,
    });
    expect(r.perHour.length).toBe(2);
  });

  it('night minimum: value and time errors, by hand', () => {
    // night 0: predicted 72 at 80 min, true 70 at 60 min; night 1: predicted 97 at 100 min, true 90 at 100 min
    expect(r.minima[0]).toEqual({ predictedMin: 72, trueMin: 70, predictedMinute: 80, trueMinute: 60 });
    expect(r.minima[1]).toEqual({ predictedMin: 97, trueMin: 90, predictedMinute: 100, trueMinute: 100 });
    expect(r.minima[2].trueMin).toBeNaN();
    expect(r.minValue).toEqual({ bias: 4.5, mae: 4.5, rmse: expect.closeTo(Math.sqrt(26.5), 12) });
    expect(r.minTime).toEqual({ bias: 10, mae: 10, rmse: expect.closeTo(Math.sqrt(200), 12) });
    expect(r.nights).toBe(3);
  });

  it('a night that does not fill its last hour; ties take the first step; bad shapes are refused', () => {
    const t = nightTrajectoryErrors([1, 1, 1, 1, 1, 1, 5], [0, 0, 0, 0, 0, 0, 0], 1, 7, 20);
    expect(t.perHour.map((h) => h.points)).toEqual([3, 3, 1]);
    expect(t.perHour[2].rmse).toBe(5);
    expect(t.minima[0]).toEqual({ predictedMin: 1, trueMin: 0, predictedMinute: 0, trueMinute: 0 });
    expect(() => nightTrajectoryErrors([1], [1, 2], 1, 1, 5)).toThrow(/1\*1/);
  });
});
