"""One example (brief -> creative fields), the problems found while reading, fingerprints."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from adcraft.core import Brief, get_platform

# Placeholders in ad data, not ad copy: AdvertiseGen writes `<UNK>` for characters it could not encode
# and `BRAND` for brand names (in ~40% of its rows), and PII scrubbing writes `<PHONE>`, `<EMAIL>`, ...
# A model tuned on them imitates them ("来自<美>的牛仔外套"): `adcraft.generate` drops such a creative,
# and `adcraft train --mask-placeholders` keeps them out of the loss.
# Latin letters around: \b would not part "BRAND" from a following Chinese character.
PLACEHOLDER = re.compile(r"<[^<>\n]{0,12}>|(?<![A-Za-z])(?:BRAND|UNK)(?![A-Za-z])")


@dataclass
class Example:
    """A brief and the creative written for it.

    `target` maps platform field names to their values, e.g. `{"text": ["..."]}` for an AdvertiseGen
    row on the `generic` platform. `source` says where the row came from (`file:line`), for messages.
    """

    brief: Brief
    target: dict[str, list[str]]
    source: str = ""

    @property
    def product_key(self) -> str:
        """The product this example is about: product plus its attributes, order-free.

        Two rows with the same key advertise the same product (AdvertiseGen has several copies per
        `content`), so a train/val split must keep them on one side.
        """
        attributes = sorted({(k, v) for k, v in self.brief.attributes})
        return json.dumps([self.brief.product, attributes], ensure_ascii=False, separators=(",", ":"))

    def target_text(self, separator: str = "\n") -> str:
        """The target's values in platform field order, joined: what the metrics compare."""
        platform = get_platform(self.brief.platform)
        order = [spec.name for spec in platform.fields if spec.name in self.target]
        order += [name for name in self.target if name not in order]
        return separator.join(value for name in order for value in self.target[name])

    def canonical(self) -> str:
        """A stable text form of brief + target (not the source), for duplicate checks and fingerprints."""
        data = {"brief": self.brief.model_dump(mode="json"), "target": self.target}
        return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    def to_dict(self) -> dict:
        return {"brief": self.brief.model_dump(mode="json"), "target": self.target, "source": self.source}


@dataclass(frozen=True)
class Problem:
    """A row that could not be used: where it is and what is wrong with it."""

    source: str  # file:line
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


class ExampleList(list[Example]):
    """The examples of one file, with what happened on the way: rows skipped, duplicates, PII removed.

    It is a plain list of `Example` for every caller that only wants the examples.
    """

    def __init__(self, examples: list[Example] = (), *, path: str = "", fmt: str = "",
                 rows_read: int = 0, problems: list[Problem] | None = None,
                 duplicates_dropped: int = 0, pii_scrubbed: int = 0) -> None:
        super().__init__(examples)
        self.path = path
        self.fmt = fmt
        self.rows_read = rows_read
        self.problems: list[Problem] = list(problems or [])
        self.duplicates_dropped = duplicates_dropped
        self.pii_scrubbed = pii_scrubbed  # rows in which at least one value had PII replaced


def fingerprint(examples: list[Example]) -> str:
    """A stable hex digest of the examples' content and order; independent of file names and line numbers.

    Two files with the same rows in the same order (after scrubbing and de-duplication) give the
    same fingerprint, whatever their format, so a run can tell whether it is resumed on the same data.
    """
    digest = hashlib.sha256()
    for example in examples:
        digest.update(example.canonical().encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()
