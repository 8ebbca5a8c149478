"""Data types every stage shares. Depends on nothing else in adcraft."""

from adcraft.core.errors import AdcraftError, InputError
from adcraft.core.platforms import PLATFORMS, FieldSpec, Platform, get_platform, text_length
from adcraft.core.types import Brief, Creative, Finding, parse_adgen_attributes

__all__ = [
    "PLATFORMS",
    "AdcraftError",
    "Brief",
    "Creative",
    "FieldSpec",
    "Finding",
    "InputError",
    "Platform",
    "get_platform",
    "parse_adgen_attributes",
    "text_length",
]
