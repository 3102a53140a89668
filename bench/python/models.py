"""Plain-PyTorch reference of the tsfm model families (native/core/models/*.cpp).

Same architectures, same parameter and buffer names/shapes (state_dict keys) and the same forward
computation as the C++ LibTorch core, so weights exported from C++ load here with
``load_state_dict(strict=True)`` and give the same outputs (see check_equivalence.py).

Input x: [B, C, L] float. Output: point [B, C, H]; quantile [B, Q, C, H], non-decreasing along Q.

Spec (dict, as written by the C++ side): {"family", "context_length", "horizon", "channels",
"quantiles": [...], "params": {...}}; params missing here are filled with the family defaults.
Works with torch 1.13 and 2.x.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

DEFAULTS = {
    "dlinear": {"kernel_size": 25, "individual": 0},
    "ttm": {"patch_length": 16, "d_model": 64, "num_layers": 8, "expansion": 2, "dropout": 0.2,
            "gated_attention": 1, "channel_mix": 0},
    "patchtst": {"patch_length": 16, "stride": 8, "d_model": 128, "num_heads": 16, "num_layers": 3,
                 "d_ff": 256, "dropout": 0.2, "head_dropout": 0.0},
    "tsmixer": {"num_blocks": 2, "ff_dim": 64, "dropout": 0.1},
    "nhits": {"num_stacks": 3, "blocks_per_stack": 1, "pool_base": 2, "downsample_base": 2, "hidden_size": 512,
              "mlp_layers": 2, "dropout": 0.0},
    "tide": {"hidden_size": 256, "num_encoder_layers": 2, "num_decoder_layers": 2, "decoder_output_dim": 8,
             "temporal_width": 4, "temporal_decoder_hidden": 128, "layer_norm": 1, "dropout": 0.3},
    "lstm": {"hidden_size": 128, "num_layers": 2, "dropout": 0.1},
    "gru": {"hidden_size": 128, "num_layers": 2, "dropout": 0.1},
}
REVIN_EPS = 1e-5


# ----------------------------------------------------------------------------------------------
# shared: instance normalisation (RevIN, affine=False) and the output head
# ----------------------------------------------------------------------------------------------
def instance_stats(x):
    mean = x.mean(dim=-1, keepdim=True).detach()
    stdev = torch.sqrt(x.var(dim=-1, unbiased=False, keepdim=True) + REVIN_EPS).detach()
    return mean, stdev


def instance_denormalise(y, mean, stdev):
    if y.dim() == 3:  # [B, C, H]
        return y * stdev + mean
    return y * stdev.unsqueeze(1) + mean.unsqueeze(1)  # [B, Q, C, H]


def head_outputs(spec):
    q = len(spec["quantiles"])
    return spec["horizon"] * (q if q else 1)


def quantile_anchor(quantiles):
    best = 0
    for i in range(1, len(quantiles)):
        if abs(quantiles[i] - 0.5) < abs(quantiles[best] - 0.5):
            best = i
    return best


def apply_head(spec, raw):
    """raw [B, C, Q*H] (Q-major) -> point [B, C, H] or monotone quantiles [B, Q, C, H]."""
    qs = spec["quantiles"]
    if not qs:
        return raw
    B, C, H, Q = raw.shape[0], raw.shape[1], spec["horizon"], len(qs)
    r = raw.reshape(B, C, Q, H)
    a = quantile_anchor(qs)
    anchor = r.narrow(2, a, 1)
    parts = []
    if a > 0:
        inc = F.softplus(r.narrow(2, 0, a))
        parts.append(anchor - inc.flip(2).cumsum(2).flip(2))
    parts.append(anchor)
    if a < Q - 1:
        parts.append(anchor + F.softplus(r.narrow(2, a + 1, Q - a - 1)).cumsum(2))
    return torch.cat(parts, 2).permute(0, 2, 1, 3).contiguous()


# ----------------------------------------------------------------------------------------------
# DLinear
# ----------------------------------------------------------------------------------------------
class DLinear(nn.Module):
    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        p = spec["params"]
        self.kernel = int(p["kernel_size"])
        self.individual = bool(p["individual"])
        L, out, C = spec["context_length"], head_outputs(spec), spec["channels"]
        if self.individual:
            self.Linear_Seasonal = nn.ModuleList([nn.Linear(L, out) for _ in range(C)])
            self.Linear_Trend = nn.ModuleList([nn.Linear(L, out) for _ in range(C)])
        else:
            self.Linear_Seasonal = nn.Linear(L, out)
            self.Linear_Trend = nn.Linear(L, out)

    def forward(self, x):
        pad = (self.kernel - 1) // 2
        padded = x
        if pad > 0:
            front = x[:, :, :1].expand(-1, -1, pad)
            end = x[:, :, -1:].expand(-1, -1, pad)
            padded = torch.cat([front, x, end], 2)
        trend = F.avg_pool1d(padded, self.kernel, 1, 0)
        seasonal = x - trend
        if self.individual:
            raw = torch.stack([self.Linear_Seasonal[c](seasonal[:, c]) + self.Linear_Trend[c](trend[:, c])
                               for c in range(self.spec["channels"])], 1)
        else:
            raw = self.Linear_Seasonal(seasonal) + self.Linear_Trend(trend)
        return apply_head(self.spec, raw)


# ----------------------------------------------------------------------------------------------
# TTM-style mixer
# ----------------------------------------------------------------------------------------------
class MixerMlp(nn.Module):
    def __init__(self, n, expansion, dropout):
        super().__init__()
        self.fc1 = nn.Linear(n, n * expansion)
        self.fc2 = nn.Linear(n * expansion, n)
        self.dropout = dropout

    def forward(self, x):
        h = F.dropout(F.gelu(self.fc1(x)), self.dropout, self.training)
        return F.dropout(self.fc2(h), self.dropout, self.training)


class GatedAttention(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.attn_layer = nn.Linear(n, n)

    def forward(self, x):
        return x * torch.softmax(self.attn_layer(x), dim=-1)


class MixBlock(nn.Module):
    """kind 0 = mix channels, 1 = mix patches, 2 = mix features; x: [B, C, N, D]."""

    def __init__(self, kind, d_model, dim_size, expansion, dropout, gated):
        super().__init__()
        self.kind = kind
        self.norm = nn.LayerNorm(d_model, eps=1e-5)
        self.mlp = MixerMlp(dim_size, expansion, dropout)
        self.gate = GatedAttention(dim_size) if gated else None

    def forward(self, x):
        h = self.norm(x)
        if self.kind == 0:
            h = h.permute(0, 3, 2, 1)
            if self.gate is not None:
                h = self.gate(h)
            h = self.mlp(h).permute(0, 3, 2, 1)
        elif self.kind == 1:
            h = self.mlp(h.transpose(2, 3))
            if self.gate is not None:
                h = self.gate(h)
            h = h.transpose(2, 3)
        else:
            h = self.mlp(h)
            if self.gate is not None:
                h = self.gate(h)
        return x + h


class MixerLayer(nn.Module):
    def __init__(self, channels, num_patches, d_model, expansion, dropout, gated, channel_mix):
        super().__init__()
        self.channel_mixer = MixBlock(0, d_model, channels, expansion, dropout, gated) if channel_mix else None
        self.patch_mixer = MixBlock(1, d_model, num_patches, expansion, dropout, gated)
        self.feature_mixer = MixBlock(2, d_model, d_model, expansion, dropout, gated)

    def forward(self, x):
        if self.channel_mixer is not None:
            x = self.channel_mixer(x)
        return self.feature_mixer(self.patch_mixer(x))


class TTM(nn.Module):
    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        p = spec["params"]
        L = spec["context_length"]
        self.patch = int(p["patch_length"])
        if L % self.patch != 0:
            raise ValueError("model.params.patch_length: must divide context_length %d (got %d)" % (L, self.patch))
        d_model = int(p["d_model"])
        self.dropout = float(p["dropout"])
        self.num_patches = L // self.patch
        self.patcher = nn.Linear(self.patch, d_model)
        self.layers = nn.ModuleList([
            MixerLayer(spec["channels"], self.num_patches, d_model, int(p["expansion"]), self.dropout,
                       bool(p["gated_attention"]), bool(p["channel_mix"]))
            for _ in range(int(p["num_layers"]))])
        self.head = nn.Linear(self.num_patches * d_model, head_outputs(spec))

    def forward(self, x):
        mean, stdev = instance_stats(x)
        z = (x - mean) / stdev
        h = self.patcher(z.unfold(2, self.patch, self.patch))  # [B, C, N, D]
        for layer in self.layers:
            h = layer(h)
        h = F.dropout(h.flatten(2), self.dropout, self.training)
        return instance_denormalise(apply_head(self.spec, self.head(h)), mean, stdev)


# ----------------------------------------------------------------------------------------------
# PatchTST
# ----------------------------------------------------------------------------------------------
class Attention(nn.Module):
    def __init__(self, d_model, heads, dropout):
        super().__init__()
        self.heads = heads
        self.dropout = dropout
        self.W_Q = nn.Linear(d_model, d_model)
        self.W_K = nn.Linear(d_model, d_model)
        self.W_V = nn.Linear(d_model, d_model)
        self.to_out = nn.Linear(d_model, d_model)
        self.scale = 1.0 / math.sqrt(d_model // heads)

    def forward(self, x):  # [b, N, D]
        b, n, d = x.shape
        dk = d // self.heads
        q = self.W_Q(x).view(b, n, self.heads, dk).transpose(1, 2)
        k = self.W_K(x).view(b, n, self.heads, dk).permute(0, 2, 3, 1)
        v = self.W_V(x).view(b, n, self.heads, dk).transpose(1, 2)
        attn = torch.softmax(torch.matmul(q, k) * self.scale, dim=-1)
        out = torch.matmul(attn, v).transpose(1, 2).contiguous().view(b, n, d)
        return F.dropout(self.to_out(out), self.dropout, self.training)


class EncoderLayer(nn.Module):
    def __init__(self, d_model, heads, d_ff, dropout):
        super().__init__()
        self.dropout = dropout
        self.self_attn = Attention(d_model, heads, dropout)
        self.norm_attn = nn.BatchNorm1d(d_model)
        self.fc1 = nn.Linear(d_model, d_ff)
        self.fc2 = nn.Linear(d_ff, d_model)
        self.norm_ffn = nn.BatchNorm1d(d_model)

    @staticmethod
    def _bn(bn, x):
        return bn(x.transpose(1, 2)).transpose(1, 2)

    def forward(self, x):
        x = self._bn(self.norm_attn, x + F.dropout(self.self_attn(x), self.dropout, self.training))
        ff = self.fc2(F.dropout(F.gelu(self.fc1(x)), self.dropout, self.training))
        return self._bn(self.norm_ffn, x + F.dropout(ff, self.dropout, self.training))


class PatchTST(nn.Module):
    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        p = spec["params"]
        L = spec["context_length"]
        self.patch = int(p["patch_length"])
        self.stride = int(p["stride"])
        d_model = int(p["d_model"])
        self.dropout = float(p["dropout"])
        self.head_dropout = float(p["head_dropout"])
        self.num_patches = (L - self.patch) // self.stride + 2
        self.W_P = nn.Linear(self.patch, d_model)
        self.W_pos = nn.Parameter(torch.empty(self.num_patches, d_model).uniform_(-0.02, 0.02))
        self.layers = nn.ModuleList([
            EncoderLayer(d_model, int(p["num_heads"]), int(p["d_ff"]), self.dropout)
            for _ in range(int(p["num_layers"]))])
        self.head = nn.Linear(d_model * self.num_patches, head_outputs(spec))

    def forward(self, x):
        B, C = x.shape[0], x.shape[1]
        mean, stdev = instance_stats(x)
        z = (x - mean) / stdev
        z = torch.cat([z, z[:, :, -1:].expand(-1, -1, self.stride)], 2)  # padding_patch='end'
        h = self.W_P(z.unfold(2, self.patch, self.stride)).reshape(B * C, self.num_patches, -1)
        h = F.dropout(h + self.W_pos, self.dropout, self.training)
        for layer in self.layers:
            h = layer(h)
        h = h.reshape(B, C, self.num_patches, -1).permute(0, 1, 3, 2).flatten(2)  # [B, C, D*N]
        raw = F.dropout(self.head(h), self.head_dropout, self.training)
        return instance_denormalise(apply_head(self.spec, raw), mean, stdev)


# ----------------------------------------------------------------------------------------------
# TSMixer (Chen et al. 2023)
# ----------------------------------------------------------------------------------------------
class MixingBlock(nn.Module):
    def __init__(self, channels, length, ff_dim, dropout):
        super().__init__()
        self.dropout = dropout
        self.time_norm = nn.LayerNorm([channels, length], eps=1e-5)
        self.time_fc = nn.Linear(length, length)
        self.feature_norm = nn.LayerNorm([channels, length], eps=1e-5)
        self.feature_fc1 = nn.Linear(channels, ff_dim)
        self.feature_fc2 = nn.Linear(ff_dim, channels)

    def forward(self, x):  # [B, C, L]
        x = x + F.dropout(F.relu(self.time_fc(self.time_norm(x))), self.dropout, self.training)
        f = self.feature_norm(x).transpose(1, 2)  # [B, L, C]
        f = F.dropout(F.relu(self.feature_fc1(f)), self.dropout, self.training)
        f = F.dropout(self.feature_fc2(f), self.dropout, self.training).transpose(1, 2)
        return x + f


class TSMixer(nn.Module):
    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        p = spec["params"]
        L, C = spec["context_length"], spec["channels"]
        self.blocks = nn.ModuleList([MixingBlock(C, L, int(p["ff_dim"]), float(p["dropout"]))
                                     for _ in range(int(p["num_blocks"]))])
        self.head = nn.Linear(L, head_outputs(spec))

    def forward(self, x):
        mean, stdev = instance_stats(x)
        h = (x - mean) / stdev
        for block in self.blocks:
            h = block(h)
        return instance_denormalise(apply_head(self.spec, self.head(h)), mean, stdev)


# ----------------------------------------------------------------------------------------------
# N-HiTS (Challu et al. 2023)
# ----------------------------------------------------------------------------------------------
class NhitsBlock(nn.Module):
    def __init__(self, L, kernel, n_coef, n_quantiles, hidden, mlp_layers, dropout):
        super().__init__()
        self.L, self.kernel, self.n_coef, self.n_quantiles, self.dropout = L, kernel, n_coef, n_quantiles, dropout
        sizes = [-(-L // kernel)] + [hidden] * mlp_layers
        self.layers = nn.ModuleList([nn.Linear(sizes[i], sizes[i + 1]) for i in range(mlp_layers)])
        self.theta = nn.Linear(sizes[-1], L + n_coef * n_quantiles)

    def forward(self, r, H):  # r: [N, L]
        h = F.max_pool1d(r.unsqueeze(1), self.kernel, self.kernel, 0, 1, ceil_mode=True).squeeze(1) \
            if self.kernel > 1 else r
        for layer in self.layers:
            h = F.relu(layer(h))
        t = self.theta(F.dropout(h, self.dropout, self.training))
        knots = t[:, self.L:].reshape(-1, self.n_quantiles, self.n_coef)
        forecast = F.interpolate(knots, size=H, mode="linear", align_corners=False)
        return t[:, :self.L], forecast.reshape(-1, self.n_quantiles * H)


class NHITS(nn.Module):
    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        p = spec["params"]
        L, H = spec["context_length"], spec["horizon"]
        S = int(p["num_stacks"])
        Q = max(1, len(spec["quantiles"]))
        blocks = []
        for s in range(S):
            kernel = min(int(p["pool_base"]) ** (S - 1 - s), L)
            n_coef = max(H // int(p["downsample_base"]) ** (S - 1 - s), 1)
            for _ in range(int(p["blocks_per_stack"])):
                blocks.append(NhitsBlock(L, kernel, n_coef, Q, int(p["hidden_size"]), int(p["mlp_layers"]),
                                         float(p["dropout"])))
        self.blocks = nn.ModuleList(blocks)

    def forward(self, x):
        B, C, L = x.shape
        mean, stdev = instance_stats(x)
        z = (x - mean) / stdev
        residual = z.reshape(B * C, L).flip(1)
        forecast = None
        for block in self.blocks:
            backcast, f = block(residual, self.spec["horizon"])
            residual = residual - backcast
            forecast = f if forecast is None else forecast + f
        y = apply_head(self.spec, forecast.reshape(B, C, -1))
        level = z[:, :, -1:]
        y = y + level if y.dim() == 3 else y + level.unsqueeze(1)
        return instance_denormalise(y, mean, stdev)


# ----------------------------------------------------------------------------------------------
# TiDE (Das et al. 2023)
# ----------------------------------------------------------------------------------------------
class ResidualBlock(nn.Module):
    def __init__(self, n_in, hidden, n_out, layer_norm, dropout):
        super().__init__()
        self.dropout = dropout
        self.lin_a = nn.Linear(n_in, hidden)
        self.lin_b = nn.Linear(hidden, n_out)
        self.lin_res = nn.Linear(n_in, n_out)
        self.norm = nn.LayerNorm(n_out, eps=1e-5) if layer_norm else None

    def forward(self, v):
        h = F.dropout(self.lin_b(F.relu(self.lin_a(v))), self.dropout, self.training) + self.lin_res(v)
        return self.norm(h) if self.norm is not None else h


class TiDE(nn.Module):
    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        p = spec["params"]
        L, H, C = spec["context_length"], spec["horizon"], spec["channels"]
        hidden, ln, dropout = int(p["hidden_size"]), bool(p["layer_norm"]), float(p["dropout"])
        self.tw = int(p["temporal_width"])
        self.out_dim = int(p["decoder_output_dim"])
        self.q = max(1, len(spec["quantiles"]))
        self.feature_projection = ResidualBlock(C, hidden, self.tw, ln, dropout) if self.tw > 0 else None
        n_enc, n_dec = int(p["num_encoder_layers"]), int(p["num_decoder_layers"])
        ins = [L + L * self.tw + C] + [hidden] * (n_enc - 1)
        self.encoder = nn.ModuleList([ResidualBlock(i, hidden, hidden, ln, dropout) for i in ins])
        self.decoder = nn.ModuleList([ResidualBlock(hidden, hidden, H * self.out_dim if i + 1 == n_dec else hidden,
                                                    ln, dropout) for i in range(n_dec)])
        self.temporal_decoder = ResidualBlock(self.out_dim, int(p["temporal_decoder_hidden"]), self.q, False, dropout)
        self.global_residual = nn.Linear(L, head_outputs(spec))

    def forward(self, x):
        B, C, L = x.shape
        H = self.spec["horizon"]
        mean, stdev = instance_stats(x)
        z = (x - mean) / stdev
        parts = [z]
        if self.feature_projection is not None:
            proj = self.feature_projection(z.transpose(1, 2)).flatten(1)
            parts.append(proj.unsqueeze(1).expand(B, C, L * self.tw))
        parts.append(torch.eye(C, dtype=z.dtype).unsqueeze(0).expand(B, C, C))
        h = torch.cat(parts, 2)
        for block in self.encoder:
            h = block(h)
        for block in self.decoder:
            h = block(h)
        steps = self.temporal_decoder(h.reshape(B, C, H, self.out_dim))  # [B, C, H, Q]
        raw = steps.transpose(2, 3).reshape(B, C, self.q * H) + self.global_residual(z)
        return instance_denormalise(apply_head(self.spec, raw), mean, stdev)


# ----------------------------------------------------------------------------------------------
# LSTM / GRU encoder with a linear multi-horizon decoder
# ----------------------------------------------------------------------------------------------
class RNNForecaster(nn.Module):
    cell = nn.LSTM

    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        p = spec["params"]
        C, layers = spec["channels"], int(p["num_layers"])
        self.dropout = float(p["dropout"])
        self.rnn = self.cell(C, int(p["hidden_size"]), num_layers=layers, batch_first=True,
                             dropout=self.dropout if layers > 1 else 0.0)
        self.head = nn.Linear(int(p["hidden_size"]), C * head_outputs(spec))

    def forward(self, x):
        B, C = x.shape[0], x.shape[1]
        mean, stdev = instance_stats(x)
        out, _ = self.rnn(((x - mean) / stdev).transpose(1, 2))
        last = F.dropout(out[:, -1], self.dropout, self.training)
        return instance_denormalise(apply_head(self.spec, self.head(last).reshape(B, C, -1)), mean, stdev)


class LSTMForecaster(RNNForecaster):
    cell = nn.LSTM


class GRUForecaster(RNNForecaster):
    cell = nn.GRU


FAMILIES = {"dlinear": DLinear, "ttm": TTM, "patchtst": PatchTST, "tsmixer": TSMixer, "nhits": NHITS, "tide": TiDE,
            "lstm": LSTMForecaster, "gru": GRUForecaster}


def build_model(spec):
    """spec: dict as above (e.g. parsed from the C++ dump). Unknown family / params raise ValueError."""
    family = spec["family"]
    if family not in FAMILIES:
        raise ValueError("model.family: unknown model family %r (known: %s)" % (family, ", ".join(FAMILIES)))
    params = dict(DEFAULTS[family])
    for k, v in spec.get("params", {}).items():
        if k not in params:
            raise ValueError("model.params.%s: unknown parameter for model family %r" % (k, family))
        params[k] = v
    full = {"family": family, "context_length": int(spec["context_length"]), "horizon": int(spec["horizon"]),
            "channels": int(spec.get("channels", 1)), "quantiles": [float(q) for q in spec.get("quantiles", [])],
            "params": params}
    return FAMILIES[family](full)


def parameter_count(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
