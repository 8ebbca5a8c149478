"""Fold a text into the form rules are matched against, remembering where each character came from.

Folding: NFKC (full-width ａ１！ -> a1!, ① -> 1), accents dropped (bést -> best), case folded,
zero-width and other format characters removed, Cyrillic/Greek look-alikes mapped to Latin
(Ьеѕt -> best), and traditional forms of the hanzi that rules use mapped to simplified (頂級 -> 顶级).
Characters inserted *between* the letters of a term (最.佳, 第 一, b-e-s-t) are not removed here;
the term patterns in `adcraft.compliance.matcher` allow them, so that punctuation between two
sentences never glues them into a false term.

Every folded character keeps the index of the original character it came from, so a match in the
folded text maps back to an exact span of the original.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# Letters that look like Latin ones; NFKC leaves them alone because they are different letters.
_CONFUSABLES = {
    "а": "a",
    "в": "b",
    "е": "e",
    "ё": "e",
    "к": "k",
    "м": "m",
    "н": "h",
    "о": "o",
    "р": "p",
    "с": "c",
    "т": "t",
    "у": "y",
    "х": "x",
    "ѕ": "s",
    "і": "i",
    "ј": "j",
    "ԁ": "d",
    "ɡ": "g",
    "α": "a",
    "ε": "e",
    "ι": "i",
    "κ": "k",
    "ο": "o",
    "ρ": "p",
    "τ": "t",
    "υ": "u",
    "χ": "x",
    "ν": "v",
    "ь": "b",
}

# Traditional hanzi that occur in the rule terms, so 頂級 / 絕對 / 穩賺 / 馳名商標 do not slip
# past. Only characters that are never written in simplified text are mapped (not 乾, 後, 髮).
_TRADITIONAL = dict(
    zip(
        "級絕對獨網選癒賺險國極萬無療證優貨廠專權銷藥腫壓擔穩虧廣頭價負資頂軍號準讚"
        "視薦馳標檢僅開運財護體醫師產別輕鬆減風賭場獎領導過試錄學業賠報機關會隊擊"
        "覺東爾寶單筆燈類歡終豐門們為強絲義與衛區錢變讓淨貼張長實鑽戰連邊癢療顧",
        "级绝对独网选愈赚险国极万无疗证优货厂专权销药肿压担稳亏广头价负资顶军号准赞"
        "视荐驰标检仅开运财护体医师产别轻松减风赌场奖领导过试录学业赔报机关会队击"
        "觉东尔宝单笔灯类欢终丰门们为强丝义与卫区钱变让净贴张长实钻战连边痒疗顾",
        strict=True,
    )
)


@dataclass(frozen=True)
class Folded:
    """The folded text and, for each of its characters, the index of the original character."""

    original: str
    text: str
    origin: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original (start, end) of the folded slice [start, end)."""
        if start >= end:
            pos = self.origin[start] if start < len(self.origin) else len(self.original)
            return pos, pos
        return self.origin[start], self.origin[end - 1] + 1


def fold_char(ch: str) -> str:
    """The folded form of one character: '' for invisible ones, possibly several characters."""
    category = unicodedata.category(ch)
    if category == "Cf":  # zero-width space/joiner, soft hyphen, BOM, bidi marks
        return ""
    decomposed = unicodedata.normalize("NFKD", ch)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    out = []
    for c in unicodedata.normalize("NFKC", stripped).casefold():
        c = _CONFUSABLES.get(c, c)
        out.append(_TRADITIONAL.get(c, c))
    return "".join(out)


def fold(text: str) -> Folded:
    """Fold `text` for matching; see the module docstring."""
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        folded = fold_char(ch) if not ch.isascii() or ch.isupper() else ch
        chars.append(folded)
        origin.extend([i] * len(folded))
    return Folded(text, "".join(chars), tuple(origin))


def fold_term(term: str) -> str:
    """A rule term folded the same way as the text it is matched against."""
    return fold(term).text
