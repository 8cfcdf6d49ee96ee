"""newsbrief: faithful, attributed event briefs from many news articles."""

__version__ = "0.1.0"

from newsbrief.config import BriefConfig
from newsbrief.models import (
    Article,
    ArticleRef,
    Brief,
    BriefSentence,
    Document,
    Problem,
    Sentence,
)
from newsbrief.pipeline import brief, brief_documents, prepare_articles

__all__ = [
    "Article",
    "ArticleRef",
    "Brief",
    "BriefConfig",
    "BriefSentence",
    "Document",
    "Problem",
    "Sentence",
    "__version__",
    "brief",
    "brief_documents",
    "prepare_articles",
]
