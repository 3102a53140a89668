"""Plain PyTorch training loop: the side-by-side reference for `tsfm bench`.

Usage: python3 train_loop.py CASE.json [--serve]  ->  prints one JSON line of results per round.
With --serve the model, optimiser and data stay loaded and a round runs for every line read on stdin
(until EOF), so the bench can alternate short native and Python rounds without restarting Python.

CASE.json (written by ts/bench/train.ts): {"spec": model spec as in models.py, "series": path to a raw
float32 file (one series), "batch_size", "warmup_steps", "steps", "lr", "weight_decay", "grad_clip",
"threads", "seed", "deterministic", "device": "cpu" | "cuda[:N]", "precision": "fp32" | "bf16"}.

The loop does what the native trainer does per step, written as a PyTorch user would: shuffled window
ids, windows gathered by advanced indexing from one tensor, AdamW with the same learning rate, weight
decay, warm-up + cosine schedule and gradient-norm clipping, MSE loss. Step phases (data, forward,
backward, optimizer) are timed with perf_counter like the native StepTimer does on the CPU, and each
step's process CPU time with process_time (the StepTimer's `cpu`).
"""
import json
import math
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from models import build_model, parameter_count  # noqa: E402


def scheduled_lr(base, step, warmup, total):  # = native/core/train/schedule.h (cosine)
    if warmup > 0 and step < warmup:
        return base * (step + 1) / warmup
    if total <= warmup:
        return base
    progress = (step - warmup) / (total - warmup)
    return base * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


def main():
    case = json.load(open(sys.argv[1]))
    if case.get("threads", 0) > 0:
        torch.set_num_threads(int(case["threads"]))
    if case.get("deterministic", True):
        torch.use_deterministic_algorithms(True, warn_only=True)
    torch.manual_seed(int(case.get("seed", 0)))
    spec = case["spec"]
    device = torch.device(case.get("device", "cpu"))
    amp = device.type == "cuda" and case.get("precision", "fp32") == "bf16"
    # On CUDA the loop runs as a user's would, without waiting for the GPU inside a step; throughput is the
    # wall time over the measured steps with one synchronisation at each end (timed_seconds), and the
    # phase times are then only what the host spent queueing each phase.
    sync_ends = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    model = build_model(spec).to(device)
    model.train()
    L, H, B = int(spec["context_length"]), int(spec["horizon"]), int(case["batch_size"])
    warmup_steps, steps = int(case["warmup_steps"]), int(case["steps"])
    total = warmup_steps + steps
    size = os.path.getsize(case["series"]) // 4
    series = torch.from_file(case["series"], shared=False, size=size, dtype=torch.float32)
    if device.type == "cuda":
        series = series.pin_memory()
    windows = size - L - H + 1
    offsets = torch.arange(L + H)
    opt = torch.optim.AdamW(model.parameters(), lr=case["lr"], weight_decay=case["weight_decay"])
    order = torch.randperm(windows)
    clock = time.perf_counter

    def run_round():
        phases = {"data": [], "forward": [], "backward": [], "optimizer": [], "cpu": []}
        t_timed = None
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        for step in range(total):
            if step == warmup_steps:
                sync_ends()
                t_timed = clock()
            c0 = time.process_time()
            t0 = clock()
            ids = order[(step * B) % (windows - B): (step * B) % (windows - B) + B]
            w = series[ids.unsqueeze(1) + offsets]  # [B, L+H]
            x, y = w[:, :L].unsqueeze(1).to(device), w[:, L:].unsqueeze(1).to(device)
            t1 = clock()
            lr = scheduled_lr(case["lr"], step, max(1, total // 20), total)
            for g in opt.param_groups:
                g["lr"] = lr
            opt.zero_grad()
            t2 = clock()
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=amp):
                pred = model(x)
            loss = F.mse_loss(pred.float(), y)
            t3 = clock()
            loss.backward()
            t4 = clock()
            if case["grad_clip"] > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), case["grad_clip"])
            opt.step()
            t5 = clock()
            c5 = time.process_time()
            if step >= warmup_steps:
                phases["data"].append(t1 - t0)
                phases["forward"].append(t3 - t2)
                phases["backward"].append(t4 - t3)
                phases["optimizer"].append((t2 - t1) + (t5 - t4))
                phases["cpu"].append(c5 - c0)
        sync_ends()
        phases["timed_seconds"] = clock() - t_timed if t_timed is not None else 0.0
        phases["timed_steps"] = steps
        return phases, loss

    def report(phases, loss):
        print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "parameters": parameter_count(model),
                          "batch_size": B, "loss": float(loss.item()), "phases": phases,
                          "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                          "peak_device_bytes": torch.cuda.max_memory_allocated(device) if device.type == "cuda" else None}),
              flush=True)

    if "--serve" in sys.argv:
        print(json.dumps({"ready": True}), flush=True)
        for _ in sys.stdin:
            report(*run_round())
    else:
        report(*run_round())


if __name__ == "__main__":
    main()
