"""Which device and precision a run uses: CUDA with bf16/fp16 when asked and present, else CPU."""

import logging
from dataclasses import dataclass

from bert_types.fine_tune_config import MixedPrecision

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DevicePlan:
    """``device`` is ``cuda`` or ``cpu``; ``precision`` is ``bf16``, ``fp16`` or ``fp32``."""

    device: str
    precision: str

    @property
    def description(self) -> str:
        """A short name for results and logs, e.g. ``cuda:NVIDIA H100`` or ``cpu``."""
        if self.device != "cuda":
            return "cpu"
        import torch

        return f"cuda:{torch.cuda.get_device_name(0)}"


def plan_device(use_gpu: bool, mixed_precision: MixedPrecision) -> DevicePlan:
    """Pick the device and precision for training; warns when a GPU was asked for but is absent."""
    import torch

    if not use_gpu or not torch.cuda.is_available():
        if use_gpu:
            logger.warning("use_gpu=True but no CUDA device is available: training on CPU (fp32)")
        if mixed_precision in (MixedPrecision.FP16, MixedPrecision.BF16):
            logger.warning("mixed_precision=%s ignored on CPU: using fp32", mixed_precision.value)
        return DevicePlan("cpu", "fp32")
    bf16_ok = torch.cuda.is_bf16_supported()
    if mixed_precision == MixedPrecision.NO:
        return DevicePlan("cuda", "fp32")
    if mixed_precision == MixedPrecision.FP16:
        return DevicePlan("cuda", "fp16")
    if mixed_precision == MixedPrecision.BF16 and not bf16_ok:
        logger.warning("mixed_precision=bf16 but this GPU has no bf16 support: using fp16")
        return DevicePlan("cuda", "fp16")
    return DevicePlan("cuda", "bf16" if bf16_ok else "fp16")


def inference_device() -> str:
    """``cuda`` when a GPU is present, else ``cpu``."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"
