from newsbrief import brief
from newsbrief.models import Brief
from newsbrief.summarize.compress import is_shortening


def test_seed_brief_cites_articles_that_contain_each_sentence(seeds_dir):
    result = brief(seeds_dir, analyze=False)
    assert isinstance(result, Brief)
    texts = {a.id: (seeds_dir / f"{a.id}.txt").read_text(encoding="utf-8") for a in result.articles}
    assert result.summary and result.headline
    for sentence in result.headline + result.summary:
        assert sentence.sources
        assert sentence.article_id in sentence.sources
        source = " ".join(texts[sentence.article_id].split())
        assert sentence.source_text in source
        assert is_shortening(sentence.text, sentence.source_text)


def test_seed_wire_copies_are_marked(seeds_dir):
    result = brief(seeds_dir, analyze=False)
    dup = {a.id[:3]: a.duplicate_of for a in result.articles}
    assert {dup["000"], dup["001"]} & {"000_63619180b1ce8ac3", "001_b92210f6684e49f3"}
    assert dup["003"] is None and dup["004"] is None and dup["002"] is None
