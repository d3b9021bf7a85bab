"""Is there a CUDA device, and which? Read from the driver's files.

Apart from ``freeze`` so that the build can ask before it imports anything of
the cell machinery: whether a device is present is one of a build's options.
"""

from __future__ import annotations

import os
from pathlib import Path

_NVIDIA_PROC = Path("/proc/driver/nvidia/gpus")


def cuda_available() -> bool:
    """Is there a CUDA device? Read from the driver's files: fast, no GPU library needed.

    An empty ``CUDA_VISIBLE_DEVICES`` hides every device, as it does for CUDA itself.
    """
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) in ("", "-1"):
        return False
    return Path("/dev/nvidia0").exists() or (_NVIDIA_PROC.is_dir() and any(_NVIDIA_PROC.iterdir()))


def device_name() -> str:
    """``NVIDIA H100 80GB HBM3``, from the driver's description of the first GPU."""
    if _NVIDIA_PROC.is_dir():
        for gpu in sorted(_NVIDIA_PROC.iterdir()):
            try:
                for line in (gpu / "information").read_text().splitlines():
                    if line.startswith("Model:"):
                        return line.split(":", 1)[1].strip()
            except OSError:
                continue
    return "a CUDA device"
