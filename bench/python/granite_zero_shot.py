"""Zero-shot ETT evaluation of a Granite TTM checkpoint with the plain-PyTorch port (granite_ttm.py).

Standard ETT protocol (../shared/data/README.md): train/val/test row borders 8640/11520/14400 for ETTh
(x4 for ETTm); every channel z-normalised with the training slice's mean and population std; test windows
at stride 1 over a frame starting one context length before the test border; MSE and MAE on the
normalised scale over all channels, horizons and windows (every window, no batch dropped).

Usage: python3 granite_zero_shot.py --model ../shared/models/granite-ttm-r2-512-96 --csv ../shared/data/ett/ETTh1.csv
Prints one JSON line: {"dataset", "windows", "mse", "mae"}.
"""
import argparse
import csv
import gzip
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from granite_ttm import load_model  # noqa: E402


def read_ett(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", newline="") as f:
        rows = list(csv.reader(f))
    return np.array([[float(v) for v in r[1:]] for r in rows[1:]], dtype=np.float64)  # drop the date column


def borders(path):
    m = 4 if "ETTm" in os.path.basename(path) else 1
    return 8640 * m, 11520 * m, 14400 * m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--csv", required=True)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = load_model(args.model)
    L, H = model.c["context_length"], model.c["prediction_filter_length"] or model.c["prediction_length"]
    data = read_ett(args.csv)
    train_end, val_end, test_end = borders(args.csv)
    train = data[:train_end]
    mean, std = train.mean(axis=0), train.std(axis=0)  # population std, as sklearn's StandardScaler
    test = torch.tensor((data[val_end - L:test_end] - mean) / std, dtype=torch.float32)  # [T, C]
    n = test.shape[0] - L - H + 1
    se = ae = 0.0
    with torch.no_grad():
        for s in range(0, n, args.batch):
            idx = torch.arange(s, min(s + args.batch, n))
            win = test[idx.unsqueeze(1) + torch.arange(L + H).unsqueeze(0)]  # [b, L+H, C]
            pred = model(win[:, :L, :])
            err = (pred - win[:, L:, :]).double()
            se += err.pow(2).sum().item()
            ae += err.abs().sum().item()
    count = n * H * test.shape[1]
    print(json.dumps({"dataset": os.path.basename(args.csv), "windows": n, "mse": se / count, "mae": ae / count}))


if __name__ == "__main__":
    main()
