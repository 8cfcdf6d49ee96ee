"""Lead baseline: the first sentences of each independent article, round robin."""

from __future__ import annotations

from collections.abc import Sequence

from newsbrief.summarize import EventInput, Selection, register
from newsbrief.summarize.util import group_index, word_count


class Lead:
    def summarize(self, event: EventInput, words: int) -> Sequence[Selection]:
        index = group_index(event.groups)
        originals = [d for d in event.documents if d.id not in event.duplicates]
        chosen: list[Selection] = []
        used: set[int] = set()
        total = 0
        depth = 0
        while total < words and any(depth < len(d.sentences) for d in originals):
            for doc in originals:
                if depth >= len(doc.sentences) or total >= words:
                    continue
                group = index[(doc.id, doc.sentences[depth].index)]
                if id(group) in used:
                    continue
                used.add(id(group))
                chosen.append(Selection(group, 1.0 / (depth + 1)))
                total += word_count(group.text)
            depth += 1
        return chosen


register("lead")(Lead)
