"""Check that the C++ LibTorch models and the plain-PyTorch reference (models.py) agree.

Usage: python3 check_equivalence.py DUMP.pt [DUMP.pt ...] [--tol 1e-5]

Each DUMP.pt is written by the C++ core's tsfm::write_reference_dump (native/core/models/registry.cpp)
with torch::pickle_save, which torch.load() reads. Format: a dict
    {"spec":   str,   JSON {"family", "context_length", "horizon", "channels", "quantiles": [..],
                            "params": {name: number}}  (params include every family default),
     "state":  {str: Tensor},  the model's parameters and buffers by dotted name (= state_dict keys here),
     "input":  Tensor [B, C, L] float32,
     "output": Tensor, forward(input) computed by C++ in eval mode ([B, C, H] or [B, Q, C, H]),
     "grads":  {str: Tensor}, parameter gradients of 0.5 * sum(output^2) in eval mode}
All tensors are CPU. The reference model is built from the spec, loaded with strict=True, put in eval
mode and run on the same input; the max absolute difference to the C++ output must be < tol, and every
parameter gradient must match autograd's within grad_tol relative to its largest magnitude (this is what
checks the native fused kernels' backward passes against PyTorch's).
Also checks that the parameter counts agree. Exit status 0 when all dumps pass, 1 otherwise.
Prints one JSON line per dump.
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from models import build_model, parameter_count  # noqa: E402


def check(path, tol, grad_tol):
    # weights_only=False: the C++ pickler tags typed dicts with torch.jit._pickle.restore_type_tag, which the
    # weights-only unpickler rejects (and 2.6+ defaults to weights_only=True). Only load dumps you wrote.
    dump = torch.load(path, map_location="cpu", weights_only=False)
    spec = json.loads(dump["spec"])
    model = build_model(spec)
    state = dump["state"]
    model.load_state_dict(state, strict=True)
    model.eval()
    with torch.no_grad():
        out = model(dump["input"])
    ref = dump["output"]
    grad_diff = 0.0
    if "grads" in dump:
        model.zero_grad(set_to_none=True)
        (0.5 * model(dump["input"]).pow(2).sum()).backward()
        params = dict(model.named_parameters())
        if set(dump["grads"].keys()) != {k for k, p in params.items() if p.grad is not None}:
            return {"dump": path, "ok": False, "error": "gradient names differ: %s vs %s" % (
                sorted(dump["grads"].keys()), sorted(k for k, p in params.items() if p.grad is not None))}
        for name, g in dump["grads"].items():
            py = params[name].grad
            grad_diff = max(grad_diff, ((py - g).abs().max() / (1.0 + py.abs().max())).item())
    if tuple(out.shape) != tuple(ref.shape):
        return {"dump": path, "ok": False, "error": "shape %s vs C++ %s" % (list(out.shape), list(ref.shape))}
    diff = (out - ref).abs().max().item()
    cpp_params = sum(v.numel() for k, v in state.items()
                     if v.is_floating_point() and k in dict(model.named_parameters()))
    py_params = parameter_count(model)
    ok = diff < tol and grad_diff < grad_tol and cpp_params == py_params
    return {"dump": os.path.basename(path), "family": spec["family"], "ok": ok, "max_abs_diff": diff,
            "grads_compared": len(dump.get("grads", {})), "max_grad_rel_diff": grad_diff,
            "params": py_params, "params_cpp": cpp_params, "out_shape": list(out.shape)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dumps", nargs="+")
    ap.add_argument("--tol", type=float, default=1e-5)
    ap.add_argument("--grad-tol", type=float, default=1e-4)
    args = ap.parse_args()
    ok = True
    for path in args.dumps:
        try:
            res = check(path, args.tol, args.grad_tol)
        except Exception as e:  # report and continue with the next dump
            res = {"dump": path, "ok": False, "error": "%s: %s" % (type(e).__name__, e)}
        ok = ok and res["ok"]
        print(json.dumps(res))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
