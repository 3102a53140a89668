"""Optuna's TPE and random samplers on the benchmark functions of bench/tune-samplers.mjs.

Prints JSON: {function: {sampler: [[best value after each trial] per seed]}}.
    /usr/bin/python3 bench/python/tune_samplers.py --trials 50 --seeds 20
"""
import argparse
import json
import math

import optuna

SHIFT = [1.2, -0.8, 2.5, -2.0, 0.4]


def sphere(trial):
    return sum((trial.suggest_float(f"x{i}", -5, 5) - c) ** 2 for i, c in enumerate(SHIFT))


def branin(trial):
    x1 = trial.suggest_float("x1", -5, 10)
    x2 = trial.suggest_float("x2", 0, 15)
    b, c, r, s, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 6, 10, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - r) ** 2 + s * (1 - t) * math.cos(x1) + s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=50)
    ap.add_argument("--seeds", type=int, default=20)
    a = ap.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    out = {}
    for name, f in [("sphere5", sphere), ("branin", branin)]:
        out[name] = {}
        for kind in ["tpe", "random"]:
            curves = []
            for seed in range(a.seeds):
                sampler = optuna.samplers.TPESampler(seed=seed) if kind == "tpe" else optuna.samplers.RandomSampler(seed=seed)
                study = optuna.create_study(sampler=sampler)
                study.optimize(f, n_trials=a.trials)
                best, curve = math.inf, []
                for t in study.trials:
                    best = min(best, t.value)
                    curve.append(best)
                curves.append(curve)
            out[name][kind] = curves
    print(json.dumps({"optuna": optuna.__version__, "results": out}))


if __name__ == "__main__":
    main()
