"""Plain-PyTorch port of IBM Granite TinyTimeMixer (TTM) forecasting, for checking tsfm's C++ granite_ttm.

Follows `TinyTimeMixerForPrediction` of tsfm_public/models/tinytimemixer/modeling_tinytimemixer.py in
ibm-granite/granite-tsfm (Apache-2.0): the module tree reproduces its attribute names, so the keys of a
Hugging Face `model.safetensors` are this module's state_dict keys and load with strict=True. No
transformers, no safetensors package: runs on Debian's python3-torch 1.13.

Supported (as in the reference): instance scaling std / mean / none inside the model; patchify (the last
`patch_length + stride * (n - 1)` steps, unfolded); patch embedding; adaptive patching (block i of
`adaptive_patching_levels` works on num_patches * 2^k patches of d_model / 2^k features, k = levels-1-i);
mixer layers (optional channel mixer in mix_channel mode, patch mixer, feature mixer; LayerNorm, MLP with
exact GELU, gated attention x * softmax(Linear(x))); decoder (adapter Linear, mixer block with its own
mode, `decoder_mode`); head (flatten patch-major, Linear to prediction_length); prediction_filter_length.
Options the port does not implement are refused with one line naming the config key.

CLI:
  python3 granite_ttm.py forecast --model DIR --input X.f32 --shape B,C,L --output Y.f32
     X: raw little-endian float32 [B, C, L] (tsfm's layout); Y: [B, C, H] float32.
  python3 granite_ttm.py info --model DIR     (prints parameter count and tensor count as JSON)
"""
import argparse
import json
import math
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

# safetensors dtype tag -> (torch dtype, bytes per element)
SAFETENSORS_DTYPES = {
    "F32": (torch.float32, 4),
    "F64": (torch.float64, 8),
    "F16": (torch.float16, 2),
    "BF16": (torch.bfloat16, 2),
    "I64": (torch.int64, 8),
    "I32": (torch.int32, 4),
}


# ----------------------------------------------------------------------------------------------
# safetensors: 8-byte little-endian header length N, N bytes of JSON header, then the raw data
# ----------------------------------------------------------------------------------------------
def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError("%s: not a safetensors file (shorter than its 8-byte header length)" % path)
    (n,) = struct.unpack("<Q", blob[:8])
    if n > len(blob) - 8:
        raise ValueError("%s: truncated or not safetensors (header of %d bytes, file has %d)" % (path, n, len(blob)))
    try:
        header = json.loads(blob[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError("%s: not a safetensors file (header is not JSON: %s)" % (path, e))
    data = memoryview(blob)[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype, size = SAFETENSORS_DTYPES.get(info.get("dtype"), (None, 0))
        if dtype is None:
            raise ValueError("%s: tensor %s has unsupported dtype %s" % (path, name, info.get("dtype")))
        begin, end = info["data_offsets"]
        shape = info["shape"]
        if end > len(data) or end - begin != size * math.prod(shape):
            raise ValueError("%s: tensor %s: data offsets [%d, %d) do not fit (truncated file?)" % (path, name, begin, end))
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype) if end > begin else torch.empty(0, dtype=dtype)
        out[name] = t.reshape(shape).clone()
    return out


# ----------------------------------------------------------------------------------------------
# the model (attribute names = the reference's, so state_dict keys = the HF checkpoint's)
# ----------------------------------------------------------------------------------------------
class GatedAttention(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.attn_layer = nn.Linear(n, n)

    def forward(self, x):
        return x * torch.softmax(self.attn_layer(x), dim=-1)


class Norm(nn.Module):
    """TinyTimeMixerNormLayer with norm_mlp = LayerNorm (the only one the port supports)."""

    def __init__(self, d_model, eps):
        super().__init__()
        self.norm = nn.LayerNorm(d_model, eps=eps)

    def forward(self, x):
        return self.norm(x)


class Mlp(nn.Module):
    def __init__(self, n, expansion, dropout):
        super().__init__()
        self.fc1 = nn.Linear(n, n * expansion)
        self.dropout1 = nn.Dropout(dropout)
        self.fc2 = nn.Linear(n * expansion, n)
        self.dropout2 = nn.Dropout(dropout)

    def forward(self, x):
        return self.dropout2(self.fc2(self.dropout1(F.gelu(self.fc1(x)))))


class ChannelFeatureMixer(nn.Module):
    """Mixes channels: LayerNorm over d_model, then (note the order) gate, then MLP across channels."""

    def __init__(self, c):
        super().__init__()
        self.norm = Norm(c["d_model"], c["norm_eps"])
        self.gated_attn = c["gated_attn"]
        self.mlp = Mlp(c["num_input_channels"], c["expansion_factor"], c["dropout"])
        if self.gated_attn:
            self.gating_block = GatedAttention(c["num_input_channels"])

    def forward(self, x):  # [B, C, P, D]
        h = self.norm(x).permute(0, 3, 2, 1)
        if self.gated_attn:
            h = self.gating_block(h)
        return self.mlp(h).permute(0, 3, 2, 1) + x


class PatchMixer(nn.Module):
    """Mixes patches: LayerNorm over d_model, MLP across patches, then the gate, + residual."""

    def __init__(self, c):
        super().__init__()
        self.norm = Norm(c["d_model"], c["norm_eps"])
        self.gated_attn = c["gated_attn"]
        self.mlp = Mlp(c["num_patches"], c["expansion_factor"], c["dropout"])
        if self.gated_attn:
            self.gating_block = GatedAttention(c["num_patches"])

    def forward(self, x):
        h = self.mlp(self.norm(x).transpose(2, 3))
        if self.gated_attn:
            h = self.gating_block(h)
        return h.transpose(2, 3) + x


class FeatureMixer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm = Norm(c["d_model"], c["norm_eps"])
        self.gated_attn = c["gated_attn"]
        self.mlp = Mlp(c["d_model"], c["expansion_factor"], c["dropout"])
        if self.gated_attn:
            self.gating_block = GatedAttention(c["d_model"])

    def forward(self, x):
        h = self.mlp(self.norm(x))
        if self.gated_attn:
            h = self.gating_block(h)
        return h + x


class MixerLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.mode = c["mode"]
        self.num_patches = c["num_patches"]
        if self.num_patches > 1:
            self.patch_mixer = PatchMixer(c)
        self.feature_mixer = FeatureMixer(c)
        if self.mode == "mix_channel":
            self.channel_feature_mixer = ChannelFeatureMixer(c)

    def forward(self, x):
        if self.mode == "mix_channel":
            x = self.channel_feature_mixer(x)
        if self.num_patches > 1:
            x = self.patch_mixer(x)
        return self.feature_mixer(x)


class AdaptivePatchingBlock(nn.Module):
    def __init__(self, c, level):
        super().__init__()
        factor = 2 ** level
        if c["d_model"] // factor <= 4:  # the reference disables reduction below 4 features
            factor = 1
        if c["d_model"] % factor != 0:
            raise ValueError("config.json d_model: must be divisible by 2^level for every adaptive patching level")
        self.factor = factor
        sub = dict(c, num_patches=c["num_patches"] * factor, d_model=c["d_model"] // factor)
        self.mixer_layers = nn.ModuleList([MixerLayer(sub) for _ in range(c["num_layers"])])

    def forward(self, x):  # [B, C, P, D] -> [B, C, P*k, D/k] row-major (a sub-patch = contiguous features)
        b, ch, p, d = x.shape
        x = x.reshape(b, ch, p * self.factor, d // self.factor)
        for layer in self.mixer_layers:
            x = layer(x)
        return x.reshape(b, ch, p, d)


class MixerBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.adaptive = c["adaptive_patching_levels"] > 0
        if self.adaptive:
            levels = c["adaptive_patching_levels"]
            self.mixers = nn.ModuleList([AdaptivePatchingBlock(c, i) for i in reversed(range(levels))])
        else:
            self.mixers = nn.ModuleList([MixerLayer(c) for _ in range(c["num_layers"])])

    def forward(self, x):
        for m in self.mixers:
            x = m(x)
        return x


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.patcher = nn.Linear(c["patch_length"], c["d_model"])
        self.mlp_mixer_encoder = MixerBlock(c)

    def forward(self, patches):
        return self.mlp_mixer_encoder(self.patcher(patches))


class Backbone(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.encoder = Encoder(c)
        self.c = c

    def scale(self, x):  # x: [B, L, C] channels-last; statistics over time per window and channel
        if self.c["scaling"] == "std":
            loc = x.mean(dim=1, keepdim=True)
            var = ((x - loc) ** 2).mean(dim=1, keepdim=True)
            scale = torch.sqrt(var + 1e-5)
        elif self.c["scaling"] == "mean":
            scale = x.abs().mean(dim=1, keepdim=True).clamp(min=1e-10)
            loc = torch.zeros_like(scale)
        else:
            loc = torch.zeros_like(x[:, :1, :])
            scale = torch.ones_like(loc)
        return (x - loc) / scale, loc, scale

    def patchify(self, x):  # [B, L, C] -> [B, C, P, patch_length]
        c = self.c
        used = c["patch_length"] + c["patch_stride"] * (c["num_patches"] - 1)
        x = x[:, x.shape[1] - used:, :]
        return x.unfold(dimension=-2, size=c["patch_length"], step=c["patch_stride"]).transpose(-2, -3).contiguous()

    def forward(self, x):
        z, loc, scale = self.scale(x)
        return self.encoder(self.patchify(z)), loc, scale


class Decoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.adapter = nn.Linear(c["d_model"], c["decoder_d_model"]) if c["d_model"] != c["decoder_d_model"] else None
        dc = dict(c, num_layers=c["decoder_num_layers"], d_model=c["decoder_d_model"], dropout=c["head_dropout"],
                  adaptive_patching_levels=c["decoder_adaptive_patching_levels"], mode=c["decoder_mode"])
        self.decoder_block = MixerBlock(dc)

    def forward(self, h):
        if self.adapter is not None:
            h = self.adapter(h)
        return self.decoder_block(h)


class Head(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["decoder_d_model"] if c["use_decoder"] else c["d_model"]
        self.dropout_layer = nn.Dropout(c["head_dropout"])
        self.base_forecast_block = nn.Linear(c["num_patches"] * d, c["prediction_length"])

    def forward(self, h):  # [B, C, P, D] -> flatten patch-major -> [B, C, H] -> [B, H, C]
        return self.base_forecast_block(self.dropout_layer(h.flatten(start_dim=-2))).transpose(-1, -2)


class TinyTimeMixerForPrediction(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.backbone = Backbone(c)
        if c["use_decoder"]:
            self.decoder = Decoder(c)
        self.head = Head(c)

    def forward(self, past_values):  # [B, L, C] channels-last, as the reference -> [B, H, C]
        L = self.c["context_length"]
        if past_values.shape[1] < L:
            raise ValueError("context of %d steps is shorter than the model's context_length %d" % (past_values.shape[1], L))
        past_values = past_values[:, -L:, :]
        h, loc, scale = self.backbone(past_values)
        if self.c["use_decoder"]:
            h = self.decoder(h)
        y = self.head(h)
        if self.c["prediction_filter_length"]:
            y = y[:, : self.c["prediction_filter_length"], :]
        return y * scale + loc

    def forecast(self, x):
        """tsfm's layout: x [B, C, L] -> [B, C, H]."""
        return self.forward(x.transpose(1, 2)).transpose(1, 2)


# ----------------------------------------------------------------------------------------------
# config.json -> the fields the port uses (refusing options it does not implement)
# ----------------------------------------------------------------------------------------------
DEFAULTS = {
    "adaptive_patching_levels": 0, "decoder_adaptive_patching_levels": 0, "decoder_mode": "common_channel",
    "mode": "common_channel", "gated_attn": True, "norm_eps": 1e-5, "expansion_factor": 2, "dropout": 0.2,
    "head_dropout": 0.2, "scaling": "std", "use_decoder": True, "norm_mlp": "LayerNorm",
    "prediction_filter_length": None, "num_input_channels": 1, "decoder_num_layers": 8, "decoder_d_model": 8,
    "num_layers": 3, "d_model": 16, "patch_length": 8, "patch_stride": 8,
}
UNSUPPORTED = {  # key: value that is fine
    "self_attn": False, "resolution_prefix_tuning": False, "decoder_raw_residual": False,
    "enable_forecast_channel_mixing": False, "use_positional_encoding": False, "categorical_vocab_size_list": None,
    "prediction_channel_indices": None, "exogenous_channel_indices": None,
}


def parse_config(path):
    with open(path) as f:
        raw = json.load(f)
    if "TinyTimeMixerForPrediction" not in (raw.get("architectures") or []) and raw.get("model_type") != "tinytimemixer":
        raise ValueError("%s: architectures %s is not TinyTimeMixerForPrediction" % (path, raw.get("architectures")))
    c = dict(DEFAULTS)
    c.update({k: v for k, v in raw.items() if v is not None or k == "prediction_filter_length"})
    for key, fine in UNSUPPORTED.items():
        if raw.get(key, fine) not in (fine, [] if fine is None else fine):
            raise ValueError("%s: %s = %r is not supported by this port" % (path, key, raw.get(key)))
    if c.get("loss") == "nll":
        raise ValueError("%s: loss = nll (distribution head) is not supported" % path)
    if "batch" in str(c["norm_mlp"]).lower():
        raise ValueError("%s: norm_mlp = %s is not supported (LayerNorm only)" % (path, c["norm_mlp"]))
    if c["scaling"] is True:
        c["scaling"] = "std"
    if "num_patches" not in raw:
        c["num_patches"] = (max(c["context_length"], c["patch_length"]) - c["patch_length"]) // c["patch_stride"] + 1
    return c


def load_model(model_dir):
    c = parse_config(os.path.join(model_dir, "config.json"))
    model = TinyTimeMixerForPrediction(c)
    state = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    model.load_state_dict(state, strict=True)
    model.eval()
    return model


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=["forecast", "info"])
    ap.add_argument("--model", required=True, help="directory with config.json and model.safetensors")
    ap.add_argument("--input", help="raw float32 [B, C, L]")
    ap.add_argument("--shape", help="B,C,L")
    ap.add_argument("--output", help="raw float32 [B, C, H] written here")
    args = ap.parse_args(argv)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    model = load_model(args.model)
    if args.command == "info":
        print(json.dumps({"parameters": sum(p.numel() for p in model.parameters()),
                          "tensors": len(model.state_dict())}))
        return 0
    b, ch, length = (int(v) for v in args.shape.split(","))
    with open(args.input, "rb") as f:
        x = torch.frombuffer(bytearray(f.read()), dtype=torch.float32)
    if x.numel() != b * ch * length:
        raise ValueError("%s: has %d float32 values, --shape %s needs %d" % (args.input, x.numel(), args.shape, b * ch * length))
    with torch.no_grad():
        y = model.forecast(x.reshape(b, ch, length)).contiguous()
    with open(args.output, "wb") as f:
        f.write(y.numpy().astype("<f4").tobytes())
    print(json.dumps({"shape": list(y.shape)}))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ValueError, OSError, KeyError) as e:
        print("granite_ttm.py: %s" % e, file=sys.stderr)
        sys.exit(1)
