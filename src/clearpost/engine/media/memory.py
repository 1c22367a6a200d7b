"""Give freed heap memory back to the system between files (glibc's `malloc_trim`).

Why: a file's peak adds to whatever the worker still holds from the files before it.
Large arrays are returned to the system when freed, but the many smaller buffers of a
photo's detection (tiles, model inputs, crops: up to 32 MB each, glibc's largest
threshold for separate mappings) are freed into the heap and stay resident. After a
12 MP photo that was ~300 MB (805 MB resident, 510 MB after a trim), which a 90 MP
photo processed next then added its own peak to: the batch's peak depended on its
order. Trimming before and after each file makes every file start from the same
floor. This keeps no state and sets no limit; where glibc is absent it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache
from typing import Any

from clearpost.engine.media.ortsession import shrink_arena


@cache
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def release_freed_memory() -> bool:
    """Return freed heap pages to the system (onnxruntime's shared arena first, see
    ortsession.py); False where malloc_trim is not available."""
    shrink_arena()
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
