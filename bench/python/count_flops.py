"""Forward matmul FLOPs per sample of the plain-PyTorch twins (bench/python/models.py), counted from the layers
that actually run: every nn.Linear call (2 x rows x in x out) and every LSTM/GRU step (input and recurrent
products of each gate). ts/bench/flops.ts derives the same figures from the layer shapes; the addon test
tests/addon/bench/flops-twins.test.ts holds the two to each other.

usage: python3 count_flops.py '<json list of specs>'   ->   JSON list of FLOPs, one per spec
"""
import json
import sys

import torch
import torch.nn as nn

from models import build_model


def count_forward_flops(spec):
    model = build_model(spec)
    total = [0]

    def on_linear(mod, inputs, _out):
        x = inputs[0]
        total[0] += 2 * (x.numel() // x.shape[-1]) * mod.in_features * mod.out_features

    def on_rnn(mod, inputs, _out):
        x = inputs[0]  # [B, L, C], batch_first
        gates = 4 if isinstance(mod, nn.LSTM) else 3
        per_step = 0
        for layer in range(mod.num_layers):
            n_in = mod.input_size if layer == 0 else mod.hidden_size
            per_step += 2 * (n_in + mod.hidden_size) * gates * mod.hidden_size
        total[0] += x.shape[0] * x.shape[1] * per_step

    for mod in model.modules():
        if isinstance(mod, nn.Linear):
            mod.register_forward_hook(on_linear)
        elif isinstance(mod, (nn.LSTM, nn.GRU)):
            mod.register_forward_hook(on_rnn)
    model.eval()
    with torch.no_grad():
        model(torch.randn(1, spec["channels"], spec["context_length"]))
    return total[0]


if __name__ == "__main__":
    print(json.dumps([count_forward_flops(s) for s in json.loads(sys.argv[1])]))
