import dataclasses

import pytest
from conftest import EXAMPLES, SEEDS

from newsbrief import brief
from newsbrief.config import BriefConfig
from newsbrief.models import Brief
from newsbrief.pipeline import (
    brief_documents,
    event_input,
    load_articles,
    prepare_articles,
    without_copies,
)
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


def _reprints(article, outlets):
    return [dataclasses.replace(article, id=f"{article.id}-{n}", outlet=outlet,
                                url=f"https://reprint-{n}.example/story", path=None)
            for n, outlet in enumerate(outlets)]


# Before copies were set aside, three reprints of one article of the envoy event changed 5 to
# 17 of its summary sentences: the copied article outweighed the independent reports.
@pytest.mark.parametrize("folder", [EXAMPLES / "envoy", SEEDS], ids=["envoy", "seeds"])
def test_word_for_word_reprints_leave_the_brief_as_it_was_and_are_cited(folder):
    config = BriefConfig(analyze=False)
    articles, _ = load_articles([folder])
    before = brief_documents(prepare_articles(articles), config)
    for article in articles:
        copies = _reprints(article, ["Wire Echo", "Metro Daily", "Coastline Post"])
        after = brief_documents(prepare_articles(articles + copies), config)
        assert [s.text for s in after.headline] == [s.text for s in before.headline]
        assert [s.text for s in after.summary] == [s.text for s in before.summary]
        assert after.meta["words"] == before.meta["words"]
        for sentence in after.headline + after.summary:
            if article.id in sentence.sources:  # the copies carry it too
                assert {c.id for c in copies} <= set(sentence.sources)


def test_the_earliest_published_copy_is_the_one_summarized():
    articles, _ = load_articles([EXAMPLES / "envoy"])
    lead = articles[0]
    early = dataclasses.replace(_reprints(lead, ["Early Wire"])[0], published="2000-01-01")
    documents = prepare_articles(articles + [early])
    event = event_input(documents, BriefConfig())
    distinct, _ = without_copies(event)
    ids = [d.id for d in distinct.documents]
    assert early.id in ids and lead.id not in ids and len(ids) == len(articles)
    assert all(s.article_id != lead.id for g in distinct.groups for s in g.sentences)
    assert lead.id not in distinct.duplicates and lead.id not in distinct.duplicates.values()
    unique = event_input(prepare_articles(articles), BriefConfig())
    assert without_copies(unique)[0] is unique


# One report of one event in four scripts (written for this test). The summarizer's tokens
# were ASCII-only: Arabic, Greek and Russian sentences had nothing to weigh and the brief was
# empty; Chinese lost its paragraphs in cleaning (no "." ends them) and had one "word" per
# sentence, too short to pick.
QUAKE = {
    "ar": ("زلزال قوي يضرب طوكيو",
           ("ضرب زلزال قوي بلغت شدته سبع درجات العاصمة اليابانية طوكيو صباح الاثنين، مما أسفر عن "
           "مقتل اثني عشر شخصا على الأقل وإصابة المئات. وقالت وكالة الأرصاد الجوية اليابانية إن "
           "مركز الزلزال يقع قرب خليج طوكيو. ودعا رئيس الوزراء المواطنين إلى التزام الهدوء.")),
    "el": ("Ισχυρός σεισμός στο Τόκιο",
           ("Ισχυρός σεισμός επτά βαθμών έπληξε το Τόκιο τη Δευτέρα το πρωί. Σύμφωνα με τις αρχές, "
           "τουλάχιστον δώδεκα άνθρωποι σκοτώθηκαν και εκατοντάδες τραυματίστηκαν. Ο πρωθυπουργός "
           "κάλεσε τους πολίτες να παραμείνουν ψύχραιμοι.")),
    "ru": ("Сильное землетрясение в Токио",
           ("Сильное землетрясение магнитудой семь баллов произошло утром в понедельник в Токио. По "
           "данным властей, погибли по меньшей мере двенадцать человек, сотни получили ранения. "
           "Премьер-министр призвал граждан сохранять спокойствие.")),
    "zh": ("东京发生强烈地震",
           ("东京时间周一上午发生里氏七点二级强烈地震，造成至少十二人死亡，数百人受伤。日本气象厅"
           "表示，震中位于东京湾附近，深度约四十公里。首相在记者会上呼吁民众保持冷静，并表示政府将"
           "全力救援。多条铁路线暂停运营，数万户家庭停电。")),
}


@pytest.mark.parametrize("language", sorted(QUAKE))
def test_an_article_in_another_script_gets_a_brief_of_its_sentences(language):
    from newsbrief.config import BriefConfig
    from newsbrief.models import Article

    title, text = QUAKE[language]
    result = brief([Article(language, title, text)], config=BriefConfig(analyze=False))
    assert result.headline and result.summary
    first = text.split("。")[0] if language == "zh" else text.split(". ")[0]
    assert result.summary[0].text.startswith(first)
    assert all(s.text in text for s in result.summary)
    if language == "zh":  # split at the ideographic full stop
        assert all(s.text.endswith("。") for s in result.summary)
