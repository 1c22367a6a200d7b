"""onnxruntime session and run options shared by every model the media engine runs.

One thread per call, no spinning: callers run calls side by side (threads.py says why).

Memory. By default each onnxruntime session keeps its own arena, grown to the largest
set of activations it has seen, never shrunk, each new chunk double the last. With
tiles of many shapes (the face pyramid, text tiles and windows) the text detector's
arena alone held ~1.5 GB after a 90 MP photo, beside the face models' own; a batch
with a 90 MP photo peaked at 3.3 GB. Measured on the bench's 12 MP crowd and 90 MP
photo (`python -m bench.deid_run`, `BENCH_DEID_SECTIONS=memory`):
- arena off for every session: 90 MP peak 1572 MiB, but 12 MP CPU +40 % (every tensor
  freshly mapped and zeroed by the kernel);
- one arena for every session, registered once per process in onnxruntime's
  environment and grown by what is asked (kSameAsRequested) instead of doubling: the
  models share one peak instead of each keeping its own (90 MP 2348 MiB, 12 MP CPU
  +2 %);
- plus the text detector's arena shrunk after each call (`run_options(shrink=True)`,
  its tiles are few and large, so the cost is small): 90 MP 1507 MiB, 12 MP CPU +1 %.
  Shrinking after every face call too cost +20 % CPU (many small tiles) for no gain.
"""

from __future__ import annotations

import threading
from typing import Any

_LOCK = threading.RLock()
_REGISTERED = False


def _register_shared_arena(ort: Any) -> None:
    global _REGISTERED
    with _LOCK:
        if _REGISTERED:
            return
        info = ort.OrtMemoryInfo(
            "Cpu", ort.OrtAllocatorType.ORT_ARENA_ALLOCATOR, 0, ort.OrtMemType.DEFAULT
        )
        # max_mem 0 (no cap: a cap would fail a call, not wait), arena_extend_strategy 1
        # (kSameAsRequested), default first chunk and dead bytes per chunk.
        ort.create_and_register_allocator(info, ort.OrtArenaCfg(0, 1, -1, -1))
        _REGISTERED = True


def session_options(threads: int = 1) -> Any:
    """Options for a model session: `threads` per call, the process's shared arena."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    _register_shared_arena(ort)
    options.add_session_config_entry("session.use_env_allocators", "1")
    return options


def run_options(shrink: bool) -> Any:
    """Options for one call; `shrink` returns the arena's unused chunks afterwards."""
    import onnxruntime as ort

    options = ort.RunOptions()
    if shrink:
        options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
    return options


_SHRINKER: list[Any] = []


def shrink_arena() -> bool:
    """Give the shared arena's unused chunks back (between files, with malloc_trim).

    Shrinking happens at the end of a call with the shrink option, for the arena that
    call used; the arena is shared, so one call of a one-node model (Identity on a
    single value, built here) releases what the face and text models left. Nothing
    happens before a model was loaded. After a 12 MP photo this was ~100-200 MB that a
    90 MP photo next in the batch would otherwise have added to its own peak."""
    if not _REGISTERED:
        return False
    with _LOCK:
        if not _SHRINKER:
            import onnxruntime as ort
            from onnx import TensorProto, helper

            value = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])
            out = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
            graph = helper.make_graph(
                [helper.make_node("Identity", ["x"], ["y"])], "g", [value], [out]
            )
            model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
            model.ir_version = 8
            _SHRINKER.append(
                ort.InferenceSession(
                    model.SerializeToString(),
                    session_options(1),
                    providers=["CPUExecutionProvider"],
                )
            )
        session = _SHRINKER[0]
    import numpy as np

    session.run(None, {"x": np.zeros(1, np.float32)}, run_options(shrink=True))
    return True
