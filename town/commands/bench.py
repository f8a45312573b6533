"""`town bench` and `town soak`: figures, printed."""

from __future__ import annotations

import argparse
import json

from town.commands.options import provider_overrides
from town.core.errors import ConfigError

MODEL_BENCHES = ("concurrency", "embed", "quality", "rates")  # the benchmarks that measure a model you name


def bench_command(args: argparse.Namespace) -> int:
    from town.bench import dispatch  # noqa: PLC0415

    if (args.model or args.api_base) and args.which not in MODEL_BENCHES:
        raise ConfigError(
            f"--model and --api-base are for `town bench {'/'.join(MODEL_BENCHES)}` (the others measure the fakes)"
        )
    latencies = args.latencies or ([args.latency] if args.which == "live" and args.latency is not None else None)
    figures = dispatch.run(
        args.which,
        agents=args.agents,
        hours=args.hours,
        latency=args.latency if args.latency is not None else 0.05,
        memories=args.memories,
        out=args.out,
        map_path=args.map,
        personas=args.personas,
        latencies=latencies,
        model=args.model,
        api_base=args.api_base,
        provider=provider_overrides(args),
    )
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(dispatch.format_figures(figures))
    return 0


def soak_command(args: argparse.Namespace) -> int:
    from town.bench import dispatch, soak  # noqa: PLC0415
    from town.runtime.config import validate_run_config  # noqa: PLC0415

    if not 0 <= args.rate * 6 <= 1:
        raise ConfigError(f"--rate {args.rate}: six fault kinds at this rate would exceed every call")
    validate_run_config({"agents": args.agents, "hours": args.hours, "seed": args.seed}, "town soak")
    figures = soak.soak(args.agents, args.hours, args.rate, args.seed)
    print(json.dumps(figures, indent=2) if args.json else dispatch.format_figures([figures]))
    return 1 if figures["crashes"] or figures["lost_ticks"] else 0
