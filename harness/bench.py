"""``make bench``: how fast the harness is, measured side by side; writes results/bench.md.

1. Throughput: the batched-replicate trainer vs a baseline written the usual way (one
   seed at a time, ``torch.nn.Sequential`` + ``DataLoader`` + ``torch.optim.Adam``), on
   the Abid Exp 8 configuration (12-D mixture, 100-100 sigmoid, Adam 0.003), at batch 1
   and 64 with R = 10 and 100 replicates. Reported as replicate-steps per second and
   their ratio. Targets: ≥ 5× at R = 10 on CPU; ≥ 50× at R = 100 on a GPU.
2. Tracking overhead: the same sweep point trained with MLflow logging on vs off.

This is a benchmark, not a test: it asserts nothing, it reports.
"""

from __future__ import annotations

import argparse
import gc
import platform
import tempfile
import time
from pathlib import Path

import torch
from hydra import compose
from omegaconf import DictConfig
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from harness import tracking
from harness.data import make_dataset
from harness.models import hidden_widths
from harness.results import hydra_context
from harness.trainer import resolve_device, train

TARGETS = {"cpu": (10, 5.0), "cuda": (100, 50.0)}  # device -> (R, minimum ratio)
DEFAULT_THREADS = torch.get_num_threads()  # what a user's script gets (train() sets its own)


def config(overrides: list[str]) -> DictConfig:
    with hydra_context():
        return compose("config", overrides=["experiment=batch_size", "tracking.enabled=false",
                                            "trainer.progress=false", *overrides])


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def naive_rate(cfg: DictConfig, seeds: int, steps: int) -> float:
    """Replicate-steps/s of the usual code: one model, one DataLoader, one seed at a time."""
    device = resolve_device(cfg.trainer.device)
    t = cfg.trainer
    torch.set_num_threads(DEFAULT_THREADS)
    start = time.perf_counter()
    for seed in range(seeds):
        torch.manual_seed(seed)
        ds = make_dataset(cfg.data, seed)
        data = TensorDataset(torch.as_tensor(ds.x_train, dtype=torch.float32),
                             torch.as_tensor(ds.y_train))
        loader = DataLoader(data, batch_size=t.batch_size, shuffle=True, drop_last=True)
        widths = [cfg.data.dim, *hidden_widths(cfg.model)]
        layers: list[nn.Module] = []
        for fan_in, fan_out in zip(widths[:-1], widths[1:], strict=True):
            layers += [nn.Linear(fan_in, fan_out), nn.Sigmoid()]
        net = nn.Sequential(*layers, nn.Linear(widths[-1], 2)).to(device)
        opt = torch.optim.Adam(net.parameters(), lr=cfg.optim.lr)
        loss_fn = nn.CrossEntropyLoss()
        done = 0
        while done < steps:
            for xb, yb in loader:
                xb, yb = xb.to(device), yb.to(device)
                loss = loss_fn(net(xb), yb)
                opt.zero_grad()
                loss.backward()
                opt.step()
                done += 1
                if done == steps:
                    break
    _sync(device)
    return seeds * steps / (time.perf_counter() - start)


def batched_rate(cfg: DictConfig) -> float:
    """Replicate-steps/s of harness.trainer.train, data generation and evaluation included."""
    start = time.perf_counter()
    train(cfg)
    _sync(resolve_device(cfg.trainer.device))
    return cfg.trainer.replicates * cfg.trainer.steps / (time.perf_counter() - start)


def throughput(device: str, naive_seeds: int) -> list[dict[str, object]]:
    rows = []
    for batch, steps in ((1, 3000), (64, 600)):
        base = [f"trainer.device={device}", f"trainer.threads={DEFAULT_THREADS}",
                f"trainer.batch_size={batch}",
                "trainer.epochs=null", f"trainer.steps={steps}", "trainer.evals=1",
                "trainer.jitter_window=0"]
        naive = naive_rate(config(base), naive_seeds, steps)
        for replicates in (10, 100):
            cfg = config([*base, f"trainer.replicates={replicates}"])
            batched = batched_rate(cfg)
            rows.append({"batch": batch, "R": replicates, "steps": steps,
                         "batched": batched, "naive": naive, "ratio": batched / naive})
            print(f"  batch {batch:>3} R={replicates:>3}: batched {batched:10.0f}  naive "
                  f"{naive:8.0f} replicate-steps/s  ratio {batched / naive:6.1f}x", flush=True)
    return rows


def tracking_overhead(device: str) -> list[dict[str, float]]:
    """abid2018 sweep points trained with and without MLflow logging (SQLite store).

    The logging cost per point is roughly fixed (a few thousand metric values), so its
    share depends on the point: reported for the shortest and the longest points.
    """
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        uri = f"sqlite:///{tmp}/bench.db"
        client = tracking.init_store(uri)  # once per sweep in real use: not counted
        exp_id = tracking.experiment_id(client, "bench", uri)
        # MLflow/SQLAlchemy's first run in a process pays a one-off ~0.2 s (compiling its
        # statements); a sweep worker pays it once, so it is measured apart.
        warm = config([f"trainer.device={device}", "trainer.batch_size=400", "trainer.steps=5",
                       "trainer.epochs=null"])
        start = time.perf_counter()
        with tracking.TrackedRun(client, exp_id, warm, "warm-up", "warm-up", {}) as run:
            tracking.log_result(client, run.run_id, train(warm))
        rows.append({"batch": "warm-up", "off": 0.0, "on": time.perf_counter() - start,
                     "overhead": 0.0})
        gc.freeze()  # as harness.run.execute does before each point
        for batch in (64, 400, 1):
            cfg = config([f"trainer.device={device}", f"trainer.batch_size={batch}"])
            start = time.perf_counter()
            train(cfg)
            off = time.perf_counter() - start
            start = time.perf_counter()
            with tracking.TrackedRun(client, exp_id, cfg, tracking.config_hash(cfg),
                                     f"bench {batch}", {}) as run:
                tracking.log_result(client, run.run_id, train(cfg))
            on = time.perf_counter() - start
            rows.append({"batch": batch, "off": off, "on": on, "overhead": on / off - 1})
            print(f"  batch {batch:>3}: {off:6.2f} s without tracking, {on:6.2f} s with: "
                  f"{100 * (on / off - 1):+.1f}%", flush=True)
    return rows


def where_time_goes(device: str, top: int = 10) -> str:
    """torch.profiler on a short batch-1 run (R=10): the ops that take the time."""
    from torch.profiler import profile

    cfg = config([f"trainer.device={device}", "trainer.batch_size=1", "trainer.epochs=null",
                  "trainer.steps=1000", "trainer.evals=1", "trainer.jitter_window=0",
                  "trainer.replicates=10"])
    with profile() as prof:
        train(cfg)
    events = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)
    total = sum(e.self_cpu_time_total for e in events)
    lines = ["| op | calls | self CPU ms | share |", "|---|---|---|---|"]
    lines += [f"| `{e.key}` | {e.count} | {e.self_cpu_time_total / 1000:.1f} | "
              f"{100 * e.self_cpu_time_total / total:.0f}% |" for e in events[:top]]
    return "\n".join(lines)


def render(device: str, rows: list[dict[str, object]], overhead: list[dict[str, float]],
           naive_seeds: int, profile_md: str) -> str:
    warm = next(o for o in overhead if o["batch"] == "warm-up")
    overhead = [o for o in overhead if o["batch"] != "warm-up"]
    total = sum(o["on"] for o in overhead) / sum(o["off"] for o in overhead) - 1
    r_target, ratio_target = TARGETS["cuda" if device.startswith("cuda") else "cpu"]
    met = all(r["ratio"] >= ratio_target for r in rows if r["R"] == r_target)
    lines = [
        "# Benchmarks", "",
        "Generated by `make bench` (`python -m harness.bench`); a benchmark, not a test.", "",
        f"Device: **{device}** ({platform.processor() or platform.machine()}, "
        f"torch {torch.__version__}).", "",
        "## Batched replicates vs one seed at a time", "",
        "Abid Exp 8 configuration (12-D mixture, 100-100 sigmoid MLP, Adam 0.003). "
        "*batched*: `harness.trainer.train` with R replicates in one computation "
        "(data generation and evaluation included). *naive*: the usual code, one seed at a "
        "time, `torch.nn.Sequential` + `DataLoader(shuffle=True)` + `torch.optim.Adam`, "
        f"timed over {naive_seeds} seeds (its rate per replicate does not depend on R). Both "
        f"get the same {DEFAULT_THREADS} CPU threads (torch's default here).", "",
        "| batch | R | steps | batched replicate-steps/s | naive replicate-steps/s | ratio |",
        "|---|---|---|---|---|---|",
        *[f"| {r['batch']} | {r['R']} | {r['steps']} | {r['batched']:.0f} | {r['naive']:.0f} | "
          f"**{r['ratio']:.1f}×** |" for r in rows], "",
        f"Target on this device: ≥ {ratio_target:g}× at R = {r_target}: "
        f"**{'met' if met else 'NOT met'}**.", "",
        "## Tracking overhead", "",
        "Full abid2018 sweep points (12 replicates, 51 evaluations), each trained once "
        "without tracking and once inside an MLflow run (SQLite store) that logs the "
        "resolved config as params, the curves (means; accuracies per replicate) and the CSV "
        "artifacts. Target: ≤ 10%. Measured after one warm-up run in the process (a tiny "
        f"run, {warm['on']:.2f} s in all): MLflow's first run per process compiles its "
        "SQL statements, a one-off cost each sweep worker pays once.", "",
        "| batch | steps | without tracking s | with tracking s | overhead |",
        "|---|---|---|---|---|",
        *[f"| {o['batch']} | {int(150 * 500 / o['batch'])} | {o['off']:.2f} | {o['on']:.2f} | "
          f"**{100 * o['overhead']:+.1f}%** |" for o in overhead],
        "", f"Over these three points together: **{100 * total:+.1f}%**.", "",
        "## Where the time goes", "",
        "torch.profiler over 1,000 steps at batch 1 with R = 10 (the regime that dominates "
        "the default suite: batch 1 and 4 take over 90% of its steps). At this size every op is "
        "dispatch-bound, so the trainer uses the fused Adam/SGD/Adagrad kernels (one call "
        "per step instead of a dozen per parameter tensor: ~3x faster optimizer steps on "
        "CPU) and one thread per process (two sweep points run side by side instead).", "",
        profile_md, "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m harness.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    parser.add_argument("--naive-seeds", type=int, default=3)
    parser.add_argument("--out", type=Path,
                        default=tracking.PROJECT_ROOT / "results" / "bench.md")
    args = parser.parse_args(argv)
    device = str(resolve_device(args.device))
    print(f"throughput on {device}:", flush=True)
    rows = throughput(device, args.naive_seeds)
    print("tracking overhead:", flush=True)
    overhead = tracking_overhead(device)
    profile_md = where_time_goes(device)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(device, rows, overhead, args.naive_seeds, profile_md))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
