"""Benchmark: the server time of one survival check (15 frames of 512x600 JPEG) on one core.

    .venv/bin/python tests/bench/survival_check.py [--runs 10]

Pins the process to one CPU (and one BLAS thread), builds a capture from grace_hopper.jpg for each
action pair, and times what the server does with an upload: decoding the frames, detecting faces
(HOG on a copy scaled to 320 px), 68 landmarks per frame, face encodings for the few frames that
need them, and the decision. Prints the median and the worst run (wall clock, and the process's
CPU time, which another load on the machine disturbs less); target under 1 s."""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    from server.survival import demo, rules, vision

    photo = demo.sample_photo()
    if photo is None:
        raise SystemExit("matplotlib is not installed (pip install -e '.[test]')")
    reference = vision.reference_from_photo(demo.jpeg(photo))[0]
    pairs = [
        p
        for p in ((a, b) for a in rules.ACTIONS for b in rules.ACTIONS if a != b)
        if not set(p) <= rules.RIGID
    ]
    captures = [
        (pairs[i % len(pairs)], demo.capture_frames(photo, pairs[i % len(pairs)], seed=i))
        for i in range(args.runs)
    ]
    vision.analyse_frames(captures[0][1])  # load dlib's models once, as a running server has

    times, cpu, outcomes = [], [], []
    for actions, frames in captures:
        started, started_cpu = time.perf_counter(), time.process_time()
        analysed, _ = vision.analyse_frames(frames, actions)
        decision = rules.decide(analysed, actions, reference, rules.NonceFacts())
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        outcomes.append(decision.outcome)
    size = sum(len(f) for f in captures[0][1]) // len(captures[0][1]) // 1024
    print(
        f"survival check, {len(captures[0][1])} frames of {photo.shape[1]}x{photo.shape[0]} "
        f"(~{size} kB JPEG), one core: median {statistics.median(times) * 1000:.0f} ms, "
        f"worst {max(times) * 1000:.0f} ms over {len(times)} runs "
        f"(CPU time median {statistics.median(cpu) * 1000:.0f} ms); "
        f"decisions {dict((str(o), outcomes.count(o)) for o in sorted(set(outcomes)))}"
    )


if __name__ == "__main__":
    main()
