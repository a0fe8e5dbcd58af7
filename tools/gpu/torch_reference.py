#!/usr/bin/env python3
"""Times the official SOC++ forward on the GPU at the shapes of `mrvs bench`, with random weights, for the
side-by-side ratio in benchmarks/RESULTS.md (tools/gpu/check.sh runs it).

It needs a checkout of the official code (github yongliu20/MRVS_SOC; never committed here) and imports its modules
as they are. What those modules import and the GPU machine may lack is stood in for only where an eval forward does
not depend on it: the tokenizer (ids of the requested length instead of a real sentence), the pretrained-weight
loading (a roberta-base-shaped RobertaModel with random weights), timm's DropPath (identity in eval) and
trunc_normal_, scipy and pycocotools (training losses and COCO evaluation), and the compiled
MultiScaleDeformableAttention extension (a grid_sample implementation, reported as such). Missing torch, einops or
transformers skip the run with the reason. Prints one "torch:" line with the median forward time.

usage: torch_reference.py --upstream DIR [--frames 8] [--size 360x640] [--tokens 20] [--precision fp32|bf16]
                          [--warmup 2] [--runs 5]
"""
import argparse
import importlib
import statistics
import sys
import time
import types


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--upstream", required=True, help="checkout of yongliu20/MRVS_SOC")
    p.add_argument("--frames", type=int, default=8)
    p.add_argument("--size", default="360x640", help="HxW")
    p.add_argument("--tokens", type=int, default=20, help="sentence length, <s> and </s> included")
    p.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--runs", type=int, default=5)
    return p.parse_args()


def skip(reason):
    print(f"torch: skipped: {reason}")
    sys.exit(0)


def module(name, **attributes):
    m = types.ModuleType(name)
    m.__dict__.update(attributes)
    sys.modules[name] = m
    return m


def missing(name):
    try:
        importlib.import_module(name)
        return False
    except ImportError:
        return True


def stand_ins(torch):
    """Modules the eval forward does not depend on, where the machine lacks them; returns their names."""
    used = []
    nn = torch.nn
    if missing("timm"):
        class DropPath(nn.Module):  # stochastic depth: the identity in eval
            def __init__(self, *args, **kwargs):
                super().__init__()

            def forward(self, x):
                return x
        timm = module("timm")
        timm.models = module("timm.models")
        timm.models.layers = module("timm.models.layers", DropPath=DropPath, trunc_normal_=nn.init.trunc_normal_)
        used.append("timm")
    if missing("scipy"):
        def linear_sum_assignment(*args, **kwargs):
            raise RuntimeError("scipy stand-in: the matcher is for training only")
        scipy = module("scipy")
        scipy.optimize = module("scipy.optimize", linear_sum_assignment=linear_sum_assignment)
        used.append("scipy")
    if missing("pycocotools"):
        pycocotools = module("pycocotools")
        pycocotools.mask = module("pycocotools.mask")
        used.append("pycocotools")
    if missing("MultiScaleDeformableAttention"):
        module("MultiScaleDeformableAttention", ms_deform_attn_forward=deformable_attention(torch))
        used.append("MultiScaleDeformableAttention (grid_sample)")
    return used


def deformable_attention(torch):
    """The deformable attention core: per level, bilinear samples (grid_sample, zeros outside, align_corners False)
    weighted and summed over levels and points. value [N, S, M, D], locations [N, Lq, M, L, P, 2] in [0, 1],
    weights [N, Lq, M, L, P] -> [N, Lq, M*D]."""
    F = torch.nn.functional

    def forward(value, shapes, starts, locations, weights, im2col_step):
        n, _, m, d = value.shape
        lq, levels, points = locations.shape[1], locations.shape[3], locations.shape[4]
        total = None
        for level in range(levels):
            h, w = int(shapes[level, 0]), int(shapes[level, 1])
            start = int(starts[level])
            v = value[:, start:start + h * w].permute(0, 2, 3, 1).reshape(n * m, d, h, w)
            grid = (2 * locations[:, :, :, level] - 1).permute(0, 2, 1, 3, 4).reshape(n * m, lq, points, 2)
            sampled = F.grid_sample(v, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
            weighted = sampled * weights[:, :, :, level].permute(0, 2, 1, 3).reshape(n * m, 1, lq, points)
            total = weighted if total is None else total + weighted
        return total.sum(-1).view(n, m * d, lq).transpose(1, 2).contiguous()
    return forward


def config():
    """configs/refer_youtube_vos.yaml for SOC++ with Video-Swin-B (scripts/train_ytb.sh adds --use_proxymmf)."""
    return argparse.Namespace(
        backbone="video-swin-b", backbone_pretrained_path=None, use_checkpoint=False, with_box_refine=True,
        num_classes=1, rel_coord=True, mask_kernels_dim=8, controller_layers=3, dynamic_mask_channels=8,
        text_encoder_type="roberta-base", freeze_text_encoder=False, num_proxy_query=20, use_proxymmf=True,
        aux_loss=True, vl_loss=True, device="cuda",
        DeformTransformer=dict(enc_layers=3, dec_layers=3, dim_feedforward=2048, d_model=256, dropout=0.1, nheads=8,
                               num_queries=20, num_feature_levels=4, dec_n_points=4, enc_n_points=4, two_stage=False),
        VOC=dict(input_dim=256, window_size=0, num_frame_queries=20, num_frames=8, num_queries=20, nheads=8,
                 dim_feedforward=2048, enc_layers=3, dec_layers=3))


def main():
    args = parse_args()
    h, w = (int(x) for x in args.size.split("x"))
    try:
        import torch
    except ImportError:
        skip("PyTorch is not installed")
    if not torch.cuda.is_available():
        skip("PyTorch sees no CUDA device")
    lacking = [m for m in ("einops", "transformers", "torchvision") if missing(m)]
    if lacking:
        skip(f"the official code needs python packages this machine lacks: {', '.join(lacking)}")
    used = stand_ins(torch)
    sys.path.insert(0, args.upstream)
    import transformers

    roberta = transformers.RobertaConfig(vocab_size=50265, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                                         intermediate_size=3072, max_position_embeddings=514, type_vocab_size=1,
                                         layer_norm_eps=1e-5, pad_token_id=1, bos_token_id=0, eos_token_id=2)
    transformers.RobertaModel.from_pretrained = classmethod(lambda cls, *a, **k: cls(roberta))
    transformers.RobertaTokenizerFast.from_pretrained = classmethod(lambda cls, *a, **k: Tokenizer(torch, args.tokens))
    try:
        soc = importlib.import_module("models.soc")
    except ImportError as e:
        skip(f"cannot import the official models from {args.upstream}: {e}")

    torch.manual_seed(0)
    torch.backends.cuda.matmul.allow_tf32 = False  # as mrvs: FP32 GEMMs without TF32
    torch.backends.cudnn.allow_tf32 = False
    model = soc.SOC(config()).cuda().eval()
    misc = importlib.import_module("misc")
    frames = torch.randn(args.frames, 1, 3, h, w, device="cuda")
    samples = misc.NestedTensor(frames, torch.zeros(args.frames, 1, h, w, dtype=torch.bool, device="cuda"))
    size = torch.as_tensor([h, w], device="cuda")
    targets = [[{"size": size}] for _ in range(args.frames)]

    def forward():
        with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16, enabled=args.precision == "bf16"):
            return model(samples, None, ["a sentence"], targets)

    for _ in range(args.warmup):
        forward()
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        out = forward()
        torch.cuda.synchronize()
        times.append((time.perf_counter() - start) * 1e3)
    masks = tuple(out["pred_masks"].shape)
    print(f"torch: official SOC++ Swin-B, {args.frames} frames {h}x{w}, {args.tokens} tokens, {args.precision}"
          f"{' (autocast)' if args.precision == 'bf16' else ' (no TF32)'}: median {statistics.median(times):.1f} ms, "
          f"min {min(times):.1f} ms over {args.runs} runs; peak {torch.cuda.max_memory_allocated() / 2**20:.0f} MiB; "
          f"pred_masks {masks}; torch {torch.__version__}; stand-ins: {', '.join(used) or 'none'}")


class Tokenizer:
    """Stands in for RobertaTokenizerFast.batch_encode_plus: <s>, random ids, </s>, no padding."""

    def __init__(self, torch, tokens):
        self.torch, self.tokens = torch, tokens

    def batch_encode_plus(self, texts, **kwargs):
        torch = self.torch
        g = torch.Generator().manual_seed(1)
        ids = torch.randint(3, 50265, (len(texts), self.tokens), generator=g)
        ids[:, 0], ids[:, -1] = 0, 2
        return Encoding(input_ids=ids, attention_mask=torch.ones_like(ids))


class Encoding(dict):
    """What the model reads of a BatchEncoding: keyword arguments, .attention_mask and .to(device)."""

    def __getattr__(self, name):
        return self[name]

    def to(self, device):
        return Encoding({k: v.to(device) for k, v in self.items()})


if __name__ == "__main__":
    main()
