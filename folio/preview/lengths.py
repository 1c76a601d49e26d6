"""Article lengths in the unit editors of each language count in.

English editors count words. Korean editors count characters and manuscript
sheets (원고지 매수): a sheet has 200 squares, and a space takes a square, so
the sheets are the characters with spaces, divided by 200, rounded up.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

SHEET = 200
_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Length:
    words: int
    characters: int             # with spaces (one for each run of white space)
    sheets: int                 # 200-character manuscript sheets

    def label(self, language: str) -> str:
        if language == "ko":
            return f"{self.characters:,}자 · 원고지 {self.sheets:,}매"
        return f"{self.words:,} words"


def measure(texts: list[str]) -> Length:
    words = sum(len(_WORD.findall(text)) for text in texts)
    characters = sum(len(_SPACES.sub(" ", text).strip()) for text in texts)
    return Length(words, characters, math.ceil(characters / SHEET) if characters else 0)
