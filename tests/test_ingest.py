"""Ingest: text, HTML, JSON/JSONL records, metadata found in the text, encodings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import DATA, EXAMPLES

from newsbrief.clean import clean_article
from newsbrief.ingest import (
    article_from_html,
    article_from_record,
    article_from_text,
    iter_articles,
    read_file,
    read_paths,
)
from newsbrief.ingest.decode import decode_bytes
from newsbrief.ingest.language import detect_language
from newsbrief.ingest.metadata import (
    find_text_metadata,
    leading_dateline,
    parse_date,
    read_metadata_line,
    read_metadata_lines,
)
from newsbrief.ingest.text import content_id
from newsbrief.models import Article, Problem

HTML = DATA / "html"


@pytest.fixture(scope="module")
def seeds(seeds_dir: Path) -> dict[str, Article]:
    result = read_paths([seeds_dir])
    assert not result.problems
    return {a.id[:3]: a for a in result.articles}


# --- plain text and the seeds -------------------------------------------------------------


def test_seed_dates_and_outlets_come_from_the_text(seeds):
    assert seeds["001"].published == "2017-11-16"  # "date 2017-11-16 AFP, BEIJING"
    assert seeds["001"].outlet == "AFP"
    assert seeds["002"].published.startswith("2017-11-21")  # "Güncelleme Tarihi: 21 Kasım 2017"
    assert seeds["003"].published == "2017-11-21"  # a lone "November 21, 2017" line
    assert seeds["004"].published.startswith("2017-11-18")  # "PUBLISHED : Saturday, 18 November"
    assert seeds["000"].outlet == "AFP"  # "Beijing, China | AFP | China will ..."


def test_seed_titles_skip_datelines_lead_sentences_and_kickers(seeds):
    assert seeds["000"].title == "China to send envoy to North Korea"
    assert seeds["001"].title == ""  # dateline, then a lead sentence: no title
    assert seeds["001"].text.lstrip().startswith("date 2017-11-16 AFP")  # left for the cleaner
    assert seeds["004"].title.startswith("China keeps focus on friendship with North Korea")
    assert seeds["003"].author == "Lester Mason"  # a lone name above the date
    assert seeds["002"].outlet == "World Bulletin"  # "World Bulletin / News Desk"


def test_title_line_is_taken_out_of_the_body(seeds):
    assert not seeds["000"].text.startswith("China to send envoy")
    assert "China to send envoy to North Korea\n" not in seeds["000"].text[:60]


def test_text_title_rules_on_small_inputs():
    lead = ("The city council voted on Monday to close two lanes of the bridge for repairs "
            "after inspectors found corroded cables.")
    assert article_from_text(lead + "\n\nMore text here.").title == ""
    kicker = article_from_text(
        "Transport\n\nCouncil votes to close two lanes of Greywater Bridge for repairs\n\nBody."
    )
    assert kicker.title == "Council votes to close two lanes of Greywater Bridge for repairs"
    assert "Transport" in kicker.text  # left for the cleaner, which records it as a kicker
    question = article_from_text("Is the bridge safe?\n\nInspectors say it is, for now.")
    assert question.title == "Is the bridge safe?"


def test_text_without_body_or_binary_is_a_problem():
    assert isinstance(article_from_text(b"\x00\x01\x02\x03" * 500, path="x.txt"), Problem)
    assert isinstance(article_from_text("   \n\n  ", path="x.txt"), Problem)
    only_title = article_from_text("Just a headline\n", path="t.txt")
    assert isinstance(only_title, Problem) and "only a title" in only_title.reason


def test_content_id_ignores_case_and_spacing():
    assert content_id("Hello  World\n") == content_id("hello world")
    assert content_id("a") != content_id("b")


# --- metadata lines -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "kind", "date"),
    [
        ("date 2017-11-16 AFP, BEIJING", "dateline", "2017-11-16"),
        ("PUBLISHED : Saturday, 18 November, 2017, 8:09pm", "published", "2017-11-18T20:09:00"),
        ("UPDATED : Monday, 20 November, 2017, 5:38pm", "updated", "2017-11-20T17:38:00"),
        ("Güncelleme Tarihi: 21 Kasım 2017, 00:51", "updated", "2017-11-21T00:51:00"),
        ("Aktualisiert am 16.03.2025, 09:10", "updated", "2025-03-16T09:10:00"),
        ("Mis à jour le 3 mars 2024 à 10h05", "updated", "2024-03-03"),
        ("Päivitetty: 21.11.2017 klo 14.05", "updated", "2017-11-21"),
        ("Last modified on Thu 16 Nov 2017 10.05 GMT", "updated", "2017-11-16T10:05:00"),
        ("November 21, 2017", "published", "2017-11-21"),
        ("Nov. 16, 2017 / 3:04 AM / Updated 2 hours ago", "published", "2017-11-16"),
    ],
)
def test_stamps_in_many_languages(line, kind, date):
    meta = read_metadata_line(line)
    assert meta is not None and meta.kind == kind
    assert meta.published.startswith(date)


@pytest.mark.parametrize(
    "line",
    [
        "Xi has never met Kim.",
        "UNITED STANCE",
        '"Disturbia," Sept. 13, 2008',  # a list item with a date, not a stamp
        "In 2017: a year of turmoil",
        "The talks began on November 21, 2017, in Pyongyang and lasted four days.",
    ],
)
def test_prose_and_headings_are_not_metadata(line):
    assert read_metadata_line(line) is None


def test_bylines_credits_desks_and_lone_names():
    assert read_metadata_line("By Jane Doe and John Smith").author == "Jane Doe"
    assert read_metadata_line("Additional reporting by Agence France-Presse").kind == "credit"
    assert read_metadata_line("Reporting by Ben Blanchard; Editing by Nick Macfie").kind == "credit"
    desk = read_metadata_line("World Bulletin / News Desk")
    assert desk.kind == "desk" and desk.outlet == "World Bulletin"
    lines = ["Some headline", "Jane Marsh", "12 March 2024", "Body text follows here."]
    found = read_metadata_lines(lines)
    assert found[1] is not None and found[1].author == "Jane Marsh"
    # The same two words with no date beside them are not a byline.
    assert read_metadata_lines(["Jane Marsh", "Body text follows here."])[0] is None


@pytest.mark.parametrize(
    ("text", "outlet", "rest"),
    [
        ("Beijing, China | AFP | China will send", "AFP", "China will send"),
        ("BEIJING (Reuters) - China will", "Reuters", "China will"),
        ("BEIJING, Nov 16 (Reuters) - China", "Reuters", "China"),
        ("WASHINGTON — The president", None, "The president"),
        ("(AP) — A man was", "AP", "A man was"),
        # The date alone before the agency (it kept "March 2 - " on a headline).
        ("March 2 (Reuters) - Roger Federer claimed", "Reuters", "Roger Federer claimed"),
        ("Aug. 22 (UPI) -- In a visit to West Virginia", "UPI", "In a visit to West Virginia"),
        ("WASHINGTON—The chairman promised a review", None, "The chairman promised a review"),
        # WCEP-train openings that led headlines before 3 December's late evening:
        ("Wellington, Feb 27, 2018 (AFP) - - New Zealand's opposition", "AFP",
         "New Zealand's opposition"),
        ("(MIRROR.CO.UK).–Hurricane Irma has slammed", "MIRROR.CO.UK", "Hurricane Irma has slammed"),
        ("[LAUSANNE] Usain Bolt lost one of his nine Olympic gold medals", None,
         "Usain Bolt lost one of his nine Olympic gold medals"),
        ("[India], May 12 (ANI): The Election Commission has ordered", "ANI",
         "The Election Commission has ordered"),
        ("Updated at 1:28 a.m. ET The federal government is now in a partial shutdown", None,
         "The federal government is now in a partial shutdown"),
        ("30 June 2011 – The United Nations independent expert", None,
         "The United Nations independent expert"),
        # The source alone: CNN's opening (six articles of the evaluation files kept it in
        # their first sentence), and a name in capitals.
        ("(CNN) A Detroit man pleaded not guilty", "CNN", "A Detroit man pleaded not guilty"),
        ("(CNN)Microsoft co-founder Paul Allen says", "CNN", "Microsoft co-founder Paul Allen says"),
        ("(THE CONVERSATION) A record-breaking cold wave", None, "A record-breaking cold wave"),
    ],
)
def test_dateline_prefixes(text, outlet, rest):
    prefix = leading_dateline(text)
    assert prefix is not None and prefix.outlet == outlet
    assert text[prefix.length:] == rest


@pytest.mark.parametrize("text", ["U.S. — no deal", "UNITED STANCE", "Mr Trump said | no", "The talks began.",
                                  "NATO-led forces said", "[Video] Watch the clip",
                                  "Last updated at 6:04 PM on 20th October 2011",
                                  "Updated 3 times. The figures changed.",
                                  # a picture's position marks, a parenthesis opening prose
                                  "(R) Song Tao meets Choe Ryong-hae", "(L-R) Ann, Bo and Cy",
                                  "(Manhattan) and Long Island spend most",
                                  "(Some say) The talks will fail."])
def test_no_dateline_prefix_in_ordinary_text(text):
    assert leading_dateline(text) is None


def test_find_text_metadata_prefers_published_over_updated():
    lines = ["UPDATED : Monday, 20 November, 2017, 5:38pm", "PUBLISHED : Saturday, 18 November, 2017"]
    assert find_text_metadata(lines)["published"] == "2017-11-18"
    assert find_text_metadata(lines[:1])["published"].startswith("2017-11-20")


def test_parse_date_needs_day_month_and_year():
    assert parse_date("18 November 2017") == "2017-11-18"
    assert parse_date("November 2017") is None
    assert parse_date("no date here") is None


def test_a_time_keeps_the_utc_offset_it_was_written_with(tmp_path):
    # The same instant from Seoul and from New York: without the offsets they are 14 h apart.
    assert parse_date("2017-11-17T10:00:00+09:00") == "2017-11-17T10:00:00+09:00"
    assert parse_date("Nov 16, 2017 8:00 PM EST") == "2017-11-16T20:00:00-05:00"
    assert parse_date("Fri, 17 Nov 2017 01:00:00 GMT") == "2017-11-17T01:00:00+00:00"
    assert parse_date("16 November 2017 08:30") == "2017-11-16T08:30:00"  # naive stays naive
    records = tmp_path / "wire.jsonl"
    records.write_text(json.dumps({
        "id": "seoul", "title": "Talks", "text": "Talks went on in Seoul. " * 5,
        "published": "2017-11-17T10:00:00+09:00",
    }) + "\n")
    result = read_paths([records])
    assert not result.problems and result.articles[0].published == "2017-11-17T10:00:00+09:00"


# --- HTML ---------------------------------------------------------------------------------


def _pages():
    return sorted(HTML.glob("*.html"))


def test_there_are_realistic_pages():
    assert len(_pages()) >= 3


@pytest.mark.parametrize("page", _pages(), ids=lambda p: p.name)
def test_html_extraction_finds_body_and_metadata_without_chrome(page):
    expected = json.loads(page.with_suffix(".expected.json").read_text(encoding="utf-8"))
    article = article_from_html(page.read_bytes(), path=str(page), article_id=page.stem)
    assert isinstance(article, Article), article
    assert article.title == expected["title"]
    assert article.published[:10] == expected["date"]
    assert article.outlet == expected["sitename"]
    assert article.language == expected["language"]
    for paragraph in expected["body"]:
        # The dateline prefix of a wire story stays in the extracted text; the cleaner cuts it.
        assert paragraph in article.text
    for noise in expected["noise"]:
        assert noise.lower() not in article.text.lower(), noise


def test_latin1_page_is_decoded_by_its_meta_charset():
    page = HTML / "courrier-alpin-tunnel-latin1.html"
    data = page.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    article = article_from_html(data, path=str(page))
    assert "fermé" in article.title and "Hélène Brassac" == article.author
    assert "\ufffd" not in article.text


def test_html_without_article_or_binary_is_a_problem():
    empty = article_from_html(b"<html><head><title>x</title></head><body></body></html>", path="e.html")
    assert isinstance(empty, Problem) and empty.source == "e.html"
    binary = article_from_html(bytes(range(256)) * 20, path="x.html")
    assert isinstance(binary, Problem) and "binary" in binary.reason


# --- JSON and JSON Lines ------------------------------------------------------------------


def test_plain_record_fields():
    article = article_from_record(
        {"title": "T", "text": "Body sentence one. Body sentence two.", "url": "https://x.example/a",
         "date": "2024-03-03T10:00:00Z", "source": "Example News", "id": 7},
        default_id="d",
    )
    assert (article.id, article.outlet, article.url) == ("7", "Example News", "https://x.example/a")
    assert article.published.startswith("2024-03-03")
    stamp = article_from_record({"text": "A sentence here.", "date": 1710000000}, default_id="d")
    assert stamp.published.startswith("2024-03-09")


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"title": "x"}, "missing field 'text'"),
        ({"text": 5}, "field 'text' must be a string"),
        ({"text": "ok", "title": ["a"]}, "field 'title' must be a string"),
        ({"text": "ok", "date": {"y": 1}}, "field 'date' must be a string or a number"),
        ([1, 2], "expected a JSON object"),
    ],
)
def test_bad_records_name_the_field(record, message):
    problem = article_from_record(record, default_id="r", path="f.jsonl")
    assert isinstance(problem, Problem) and message in problem.reason


def test_cluster_file_from_the_eval_set(eval_dir, tmp_path):
    line = (eval_dir / "multinews-dev.jsonl").open(encoding="utf-8").readline()
    cluster = json.loads(line)
    path = tmp_path / "one.jsonl"
    path.write_text(line, encoding="utf-8")
    problems: list[Problem] = []
    articles = read_file(path, problems)
    assert not problems
    assert [a.id for a in articles] == [f"{cluster['id']}/{i}" for i in range(len(cluster["articles"]))]
    assert articles[0].text.strip()[:40] == cluster["articles"][0]["text"].strip()[:40]


def test_clustering_records(eval_dir, tmp_path):
    lines = (eval_dir / "clustering-dev.jsonl").read_text(encoding="utf-8").splitlines()[:3]
    path = tmp_path / "c.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems: list[Problem] = []
    articles = read_file(path, problems)
    assert [a.id for a in articles] == [json.loads(x)["id"] for x in lines]
    assert all(a.title == json.loads(x)["title"].strip() for a, x in zip(articles, lines))


def test_jsonl_bad_lines_are_reported_with_numbers_and_the_rest_kept(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        '{"title": "A", "text": "One sentence here."}\n{broken\n\n[1]\n{"title": "B"}\n'
        '{"title": "C", "text": "Another sentence here."}\n',
        encoding="utf-8",
    )
    problems: list[Problem] = []
    articles = read_file(path, problems)
    assert [a.title for a in articles] == ["A", "C"]
    assert [(p.line, p.reason.split(":")[0]) for p in problems] == [
        (2, "malformed JSON line"), (4, "expected a JSON object, got list"),
        (5, "missing field 'text'"),
    ]


def test_json_array_bad_records_are_named_by_their_place(tmp_path):
    # A JSON array has no line numbers: "mix.json: expected a JSON object" left the user to
    # search 10,000 records for the bad one.
    path = tmp_path / "mix.json"
    path.write_text(json.dumps([
        {"title": "A", "text": "One sentence here."}, 5,
        {"id": "c", "articles": [{"title": "B", "text": "Two sentences. Here."}, []]},
        {"title": "D"},
    ]), encoding="utf-8")
    problems: list[Problem] = []
    assert [a.title for a in read_file(path, problems)] == ["A", "B"]
    assert [(p.line, p.reason) for p in problems] == [
        (None, "item 2: expected a JSON object, got int"),
        (None, "item 3: articles[1]: expected a JSON object, got list"),
        (None, "item 4: missing field 'text'"),
    ]
    assert str(problems[0]) == f"{path}: item 2: expected a JSON object, got int"


def test_json_document_single_record_uses_file_name(tmp_path):
    path = tmp_path / "story.json"
    path.write_text(json.dumps({"title": "T", "text": "A sentence here."}), encoding="utf-8")
    assert [a.id for a in read_file(path, [])] == ["story"]
    nested = tmp_path / "deep.json"
    nested.write_text("[" * 50_000 + "]" * 50_000, encoding="utf-8")
    problems: list[Problem] = []
    assert read_file(nested, problems) == [] and "nested too deeply" in problems[0].reason


# --- folders, encodings, language ---------------------------------------------------------


def test_read_paths_walks_the_example_folder():
    result = read_paths([EXAMPLES / "envoy"])
    assert not result.problems
    by_id = {a.id: a for a in result.articles}
    assert len(by_id) >= 5
    assert by_id["ostmark-times-envoy"].outlet == "The Ostmark Times"
    assert by_id["northwind-radio-talks"].outlet == "Northwind Radio"
    assert by_id["daily-ledger-envoy"].outlet == "Daily Ledger"


def test_read_paths_reports_missing_paths_and_keeps_ids_unique(seeds_dir, tmp_path):
    result = read_paths([seeds_dir / "000_63619180b1ce8ac3.txt", seeds_dir, tmp_path / "nope"])
    ids = [a.id for a in result.articles]
    assert len(ids) == len(set(ids))
    assert any("no such file" in p.reason for p in result.problems)


def test_decode_bytes_handles_boms_utf16_and_legacy_encodings():
    text = "Güncelleme – “quoted”"
    assert decode_bytes(text.encode("utf-8")) == text
    assert decode_bytes(text.encode("utf-16")) == text
    assert decode_bytes(text.encode("utf-16-le")) == text
    assert decode_bytes("café".encode("cp1252")) == "café"
    assert decode_bytes("café".encode("latin-1"), "iso-8859-1") == "café"


def test_language_detection():
    assert detect_language("The council approved emergency repairs to the bridge on Monday.") == "en"
    assert detect_language("Le tunnel sera entièrement fermé à la circulation du 4 au 25 mars.") == "fr"
    assert detect_language("ok") is None


# One news sentence or two in each of 16 languages and scripts.
BRIDGE_REPAIRS = {
    "de": "Der Stadtrat hat am Montag beschlossen, die marode Brücke über den Fluss bis zum "
          "Frühjahr vollständig zu sanieren. Die Kosten werden auf rund zwölf Millionen Euro "
          "geschätzt.",
    "es": "El ayuntamiento aprobó el lunes un plan para reparar el puente antes de la "
          "primavera. Las obras costarán unos doce millones de euros, según el alcalde.",
    "it": "Il consiglio comunale ha approvato lunedì un piano per riparare il ponte entro la "
          "primavera. I lavori costeranno circa dodici milioni di euro, secondo il sindaco.",
    "pt": "A câmara municipal aprovou na segunda-feira um plano para reparar a ponte antes da "
          "primavera. As obras vão custar cerca de doze milhões de euros, disse o presidente.",
    "nl": "De gemeenteraad heeft maandag besloten de brug over de rivier voor het voorjaar "
          "volledig te herstellen. De kosten worden geschat op ongeveer twaalf miljoen euro.",
    "ru": "Городской совет в понедельник одобрил план ремонта моста до весны. По словам мэра, "
          "работы обойдутся примерно в двенадцать миллионов евро.",
    "pl": "Rada miasta zatwierdziła w poniedziałek plan naprawy mostu przed wiosną. Według "
          "burmistrza prace będą kosztować około dwunastu milionów euro.",
    "tr": "Belediye meclisi pazartesi günü köprünün bahardan önce onarılması için bir planı "
          "onayladı. Belediye başkanına göre çalışmalar yaklaşık on iki milyon avroya mal olacak.",
    "ar": "وافق المجلس البلدي يوم الاثنين على خطة لإصلاح الجسر قبل الربيع. وقال رئيس البلدية "
          "إن الأعمال ستكلف نحو اثني عشر مليون يورو.",
    "zh": "市议会周一批准了一项在春季之前修复这座桥梁的计划。市长表示，这项工程将耗资约一千二百万欧元，"
          "预计明年完工。",
    "ja": "市議会は月曜日、春までに橋を修理する計画を承認した。市長によると、工事には約千二百万ユーロが"
          "かかる見込みだという。",
    "ko": "시의회는 월요일 봄이 오기 전에 다리를 보수하는 계획을 승인했다. 시장에 따르면 공사에는 약 "
          "천이백만 유로가 들 것으로 예상된다.",
    "el": "Το δημοτικό συμβούλιο ενέκρινε τη Δευτέρα σχέδιο για την επισκευή της γέφυρας πριν "
          "από την άνοιξη. Σύμφωνα με τον δήμαρχο, οι εργασίες θα κοστίσουν περίπου δώδεκα "
          "εκατομμύρια ευρώ.",
    "sv": "Kommunfullmäktige godkände på måndagen en plan för att reparera bron före våren. "
          "Enligt borgmästaren kommer arbetet att kosta omkring tolv miljoner euro.",
    "hi": "नगर परिषद ने सोमवार को वसंत से पहले पुल की मरम्मत की योजना को मंजूरी दी। महापौर के अनुसार "
          "इस काम पर लगभग बारह करोड़ रुपये खर्च होंगे।",
    "th": "สภาเทศบาลอนุมัติแผนซ่อมแซมสะพานก่อนฤดูใบไม้ผลิเมื่อวันจันทร์ "
          "นายกเทศมนตรีกล่าวว่างานนี้จะมีค่าใช้จ่ายประมาณสิบสองล้านยูโร",
}


def test_language_of_news_text_in_sixteen_languages():
    found = {language: detect_language(text) for language, text in BRIDGE_REPAIRS.items()}
    assert found == {language: language for language in BRIDGE_REPAIRS}


def test_features_are_counted_and_scored_as_py3langid_does(eval_dir):
    """Our identifier walks py3langid's automaton over all bytes at once instead of one by
    one: on real articles, every language above and odd inputs, the library's own walk must
    count the same features, and its classifier must choose the same language with the same
    probability (to float32 rounding)."""
    from collections import Counter

    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier, visit_counts

    from newsbrief.ingest.language import SAMPLE_CHARS, _identifier

    ours = _identifier()
    theirs = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    articles = [json.loads(line)["text"] for line in
                (eval_dir / "clustering-wikiref220.jsonl").open(encoding="utf-8")]
    odd = ["", "a", "ab", "abcde", "ÀÉÎ 漢字 ✓ \u200b", "1234567890" * 20, "\n\n  \t"]
    texts = [t[:SAMPLE_CHARS] for t in articles] + list(BRIDGE_REPAIRS.values()) + odd
    for text in texts:
        data = theirs._encode(text)
        expected = visit_counts(theirs.tk_nextmove, theirs._rowbase, theirs.tk_output, data)
        assert Counter(ours.feature_ids(data).tolist()) == (expected or Counter()), text[:60]
        (language, probability), (their_language, their_probability) = (
            ours.classify(text), theirs.classify(text))
        assert language == their_language, text[:60]
        assert probability == pytest.approx(their_probability, abs=1e-4), text[:60]


def test_iter_articles_makes_each_record_an_article_when_it_is_taken(tmp_path, eval_dir,
                                                                      monkeypatch):
    from newsbrief.ingest import records

    with open(eval_dir / "clustering-dev.jsonl", encoding="utf-8") as f:
        lines = [next(f) for _ in range(30)]
    path = tmp_path / "dev.jsonl"
    path.write_text("".join(lines) + "{broken\n", encoding="utf-8")
    made: list[str] = []
    original = records.article_from_record

    def counted(record, **kwargs):
        made.append(record["id"])
        return original(record, **kwargs)

    monkeypatch.setattr(records, "article_from_record", counted)
    problems: list[Problem] = []
    articles = iter_articles([path], problems)
    first = next(articles)
    assert len(made) == 1  # a long file is stored while its later records wait
    assert [first, *articles] == read_paths([path]).articles
    assert [p.line for p in problems] == [31]


def test_a_json_lines_file_too_large_to_read_whole_is_read_line_by_line(tmp_path, eval_dir,
                                                                        monkeypatch):
    from newsbrief import ingest

    with open(eval_dir / "clustering-dev.jsonl", encoding="utf-8") as f:
        lines = [next(f) for _ in range(20)]
    path = tmp_path / "big.jsonl"
    path.write_text("".join(lines[:10]) + "{broken\n" + "".join(lines[10:]), encoding="utf-8")
    whole: list[Problem] = []
    expected = read_file(path, whole)
    monkeypatch.setattr(ingest, "MAX_FILE_BYTES", 1000)
    streamed: list[Problem] = []
    assert read_file(path, streamed) == expected and len(expected) == 20
    assert streamed == whole and [p.line for p in streamed] == [11]
    # Read whole, a line that is not UTF-8 makes the file decode as another encoding; read
    # line by line, it is a problem of its own.
    path.write_bytes(path.read_bytes() + b'{"text": "caf\xe9 au lait"}\n')
    streamed = []
    assert read_file(path, streamed) == expected
    assert [(p.line, p.reason) for p in streamed][-1] == (22, "line is not UTF-8")
    big_json = tmp_path / "big.json"
    big_json.write_text("[" + ",".join(lines) + "]", encoding="utf-8")
    refused: list[Problem] = []
    assert read_file(big_json, refused) == [] and "file too large" in refused[0].reason


def test_count_articles_is_the_number_read_when_known_without_parsing(tmp_path, eval_dir,
                                                                      seeds_dir):
    from newsbrief.ingest import count_articles, iter_files

    with open(eval_dir / "clustering-dev.jsonl", encoding="utf-8") as f:
        lines = [next(f) for _ in range(12)]
    stream = tmp_path / "dev.jsonl"
    stream.write_text("".join(lines[:5]) + "\n  \n" + "".join(lines[5:]).rstrip("\n"),
                      encoding="utf-8")  # a blank line, and no newline after the last
    html = EXAMPLES / "envoy" / "ostmark-times-envoy.html"
    files = list(iter_files([seeds_dir, html, stream], []))
    assert count_articles(files) == len(read_paths(files).articles) == 5 + 1 + 12
    # A JSON document would have to be parsed to be counted.
    assert count_articles([stream, EXAMPLES / "envoy" / "northwind-radio-talks.json"]) is None


def test_a_folder_that_cannot_be_listed_is_named_as_such(seeds_dir):
    """os.walk skips a folder it cannot list without a word, so a locked folder was reported
    as "folder holds no supported files" and a locked subfolder not at all. chmod 000 stops
    every user but root: as root the child drops to uid/gid 65534 (nobody) after importing."""
    import shutil
    import subprocess
    import sys
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="nb-ingest-perm-"))
    try:
        folder.chmod(0o755)
        locked, parent = folder / "locked", folder / "parent"
        (parent / "sub").mkdir(parents=True)
        locked.mkdir()
        seeds = sorted(seeds_dir.glob("*.txt"))
        shutil.copy(seeds[0], locked / seeds[0].name)
        shutil.copy(seeds[1], parent / seeds[1].name)
        shutil.copy(seeds[2], parent / "sub" / seeds[2].name)
        parent.chmod(0o755)
        for closed in (locked, parent / "sub"):
            closed.chmod(0o000)
        script = (
            "import json, os, sys\n"
            "from newsbrief.ingest import read_paths\n"
            "read_paths([sys.argv[1]])  # warm every lazy import while still privileged\n"
            "if os.geteuid() == 0:\n"
            "    os.setgid(65534); os.setuid(65534)\n"
            "r = read_paths(sys.argv[2:])\n"
            "print(json.dumps({'files': [os.path.basename(a.path) for a in r.articles],\n"
            "                  'problems': [[p.source, p.reason] for p in r.problems]}))\n"
        )
        done = subprocess.run([sys.executable, "-c", script, str(seeds[3]), str(locked),
                               str(parent)],
                              capture_output=True, text=True, check=False, timeout=120,
                              cwd=folder)
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout)
        assert out["files"] == [seeds[1].name]
        assert out["problems"] == [[str(locked), "cannot read folder: Permission denied"],
                                   [str(parent / "sub"), "cannot read folder: Permission denied"]]
    finally:
        for closed in (folder / "locked", folder / "parent" / "sub"):
            if closed.exists():
                closed.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)


def test_a_file_named_twice_or_also_inside_a_named_folder_is_read_once(seeds_dir):
    """Only files found in folders were de-duplicated: "brief DIR DIR/x.txt" read x.txt twice
    (the second as "x~1"), and the brief counted one article as two sources."""
    first = min(seeds_dir.glob("*.txt"))
    result = read_paths([first, seeds_dir, seeds_dir / ".." / seeds_dir.name / first.name])
    ids = [a.id for a in result.articles]
    assert result.problems == []
    assert ids[0] == first.stem and len(ids) == len(set(ids)) == 5
    assert not any("~" in i for i in ids)


def test_ids_stay_unique_when_a_new_name_is_an_input_id(tmp_path, eval_dir):
    """"x", "x", "x~1": the second became "x~1" like the third, and every later stage keys
    articles by id (`newsbrief brief` crashed with "The given key already exists")."""
    with open(eval_dir / "clustering-dev.jsonl", encoding="utf-8") as f:
        records = [json.loads(next(f)) for _ in range(5)]
    path = tmp_path / "ids.jsonl"
    ids = ["x", "x", "x~1", "x", "x~1"]
    path.write_text("".join(json.dumps({**r, "id": i}) + "\n" for r, i in zip(records, ids)),
                    encoding="utf-8")
    articles = read_paths([path]).articles
    assert [a.id for a in articles] == ["x", "x~1", "x~1~1", "x~2", "x~1~2"]
    assert [a.text for a in articles] == [r["text"] for r in records]
    from newsbrief.cli import main

    assert main(["brief", str(path), "--no-analysis", "--method", "lead", "-q",
                 "--format", "json"]) == 0


def _news_page(head: str, article: str = "", footer: str = "") -> str:
    """A news page as sites publish it: navigation, cookie banner, article, footer."""
    paragraphs = "".join(
        f"<p>The council voted on the harbour district budget on Tuesday, and speaker {i} "
        "told residents in the town hall that the roads and schools would come first.</p>"
        for i in range(6))
    return (f"<!DOCTYPE html><html lang='en'><head>{head}</head><body>"
            "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
            "<div class='cookie-banner'>We use cookies. Accept all cookies</div>"
            f"<article>{article}{paragraphs}</article><footer>{footer}</footer></body></html>")


@pytest.mark.parametrize("head", [
    ('<script type="application/ld+json">{"@context": "https://schema.org", "@type": '
     '"NewsArticle", "headline": "Council passes budget", "datePublished": '
     '"2024-03-14T23:30:00-05:00", "dateModified": "2024-03-16T10:00:00-05:00"}</script>'),
    ('<meta property="article:modified_time" content="2024-03-16T10:00:00-05:00">'
     '<meta property="article:published_time" content="2024-03-14T23:30:00-05:00">'),
])
def test_html_date_keeps_its_time_and_utc_offset(head):
    """trafilatura's default date format is the day alone: "2024-03-14T23:30:00-05:00" came
    out as "2024-03-14" while a text stamp keeps its offset, so the moment (04:30 UTC on
    the 15th) was lost. The published date wins over the modified one."""
    article = article_from_html(_news_page("<title>Council passes budget</title>" + head))
    assert article.published == "2024-03-14T23:30:00-05:00"


def test_html_date_only_stays_a_day():
    head = '<meta property="article:published_time" content="2024-03-14">'
    assert article_from_html(_news_page(head)).published == "2024-03-14"


@pytest.mark.parametrize("footer", ["© 2024 Harbour Times. All rights reserved.",
                                    "Copyright 2023 Harbour Times"])
def test_html_copyright_year_is_not_a_publication_date(footer):
    """A page stating no date got htmldate's fallback, 1 January of the footer's copyright
    year, as its publication date."""
    article = article_from_html(_news_page("<title>Council passes budget</title>",
                                           footer=footer))
    assert article.published is None
    dated = article_from_html(_news_page(
        '<meta property="article:published_time" content="2024-01-01T09:00:00+01:00">',
        footer=footer))
    assert dated.published == "2024-01-01T09:00:00+01:00"  # a real 1 January still counts


def test_html_title_is_the_headline_not_the_outlet():
    """"Outlet - Headline" titles: trafilatura takes the first part, so the headline came
    out as "Harbour Times", the same as the outlet."""
    head = ("<title>Harbour Times - Council passes budget for the harbour</title>"
            "<meta property='og:site_name' content='Harbour Times'>")
    article = article_from_html(_news_page(head))
    assert (article.title, article.outlet) == ("Council passes budget for the harbour",
                                               "Harbour Times")
    head = ("<title>Council passes budget | Harbour Times</title>"
            "<meta property='og:site_name' content='Harbour Times'>")
    assert article_from_html(_news_page(head)).title == "Council passes budget"


def test_record_timestamp_says_it_is_utc():
    """A Unix timestamp became "2024-03-14T10:00:00" with no offset, which reads as the
    outlet's own clock, not UTC."""
    record = {"title": "T", "text": "A sentence here. Another one.", "date": 1710410400}
    assert article_from_record(record, default_id="d").published == "2024-03-14T10:00:00+00:00"


def test_record_author_lists_and_language_tags():
    """news-please records carry ``authors`` as a list and JSON-LD style records an author
    object: both were dropped. A language tag "de-DE" stayed as written while every other
    reader gives the ISO 639-1 code."""
    text = ("Der Stadtrat hat am Dienstag den neuen Haushalt beschlossen. "
            "Viele Bürger verfolgten die Sitzung im Rathaus.")
    news_please = {"title": "Rat beschließt Haushalt", "maintext": text,
                   "authors": ["Jana Roth", "Jonas Dorn"], "language": "de-DE",
                   "source_domain": "hafenblatt.example", "date_publish": "2024-03-14 23:30:00"}
    article = article_from_record(news_please, default_id="d")
    assert (article.author, article.language, article.outlet) == (
        "Jana Roth; Jonas Dorn", "de", "hafenblatt.example")
    person = {"title": "T", "text": text, "author": {"@type": "Person", "name": "Jana Roth"}}
    assert article_from_record(person, default_id="d").author == "Jana Roth"


@pytest.mark.parametrize("stamp", ["2024年3月14日 08:00", "发布时间：2024年3月14日 08:00"])
def test_chinese_date_line_dates_the_article(stamp):
    """Dates printed year-month-day with 年/月/日 were not read at all: Chinese (and
    Japanese) articles came out undated."""
    text = ("市议会通过预算\n" + stamp + "\n\n市议会周二通过了港区的新预算，许多居民出席了在"
            "市政厅举行的会议。这项预算将用于改善道路和学校。市长表示，道路和学校将优先。")
    article = article_from_text(text)
    assert (article.title, article.language) == ("市议会通过预算", "zh")
    assert article.published.startswith("2024-03-14")
    assert parse_date("2024年3月14日 08:00") == "2024-03-14T08:00:00"


@pytest.mark.parametrize("head", [
    "<meta property='article:modified_time' content='2024-03-20T10:00:00Z'>",
    ('<script type="application/ld+json">{"@context": "https://schema.org", "@type": '
     '"NewsArticle", "dateModified": "2024-03-20T10:00:00Z"}</script>'),
])
def test_html_modified_date_does_not_beat_the_published_stamp(head):
    """With only a modified date in the markup, htmldate returns it, and it won over the
    article's own "Published: March 10, 2024" line."""
    page = _news_page("<title>Council passes budget</title>" + head,
                      article="<h1>Council passes budget</h1><p>Published: March 10, 2024</p>")
    assert article_from_html(page).published == "2024-03-10"


def test_html_date_on_the_first_from_the_url_is_kept():
    """The first-of-month check must see the page's URL: a date only in the URL path
    ("/2024/03/01/") is a real date, not a fallback."""
    page = _news_page("<title>Council passes budget</title>", footer="© 2023 Harbour Times")
    article = article_from_html(page, url="https://harbourtimes.example/2024/03/01/budget")
    assert article.published == "2024-03-01"


def test_html_lang_attribute_names_the_language_of_a_short_page():
    """docs/extraction.md promised the page's lang attribute; trafilatura reports no
    language unless asked to filter by one, so a short item came out with none."""
    page = ("<html lang='de-AT'><head><title>Kurzmeldung</title></head><body><article>"
            "<h1>Kurzmeldung</h1><p>Wien: Stau auf der A1.</p></article></body></html>")
    assert article_from_html(page).language == "de"
    # The text decides when it can: a template's lang does not override it.
    assert article_from_html(_news_page("<title>Council</title>").replace(
        "lang='en'", "lang='fr'")).language == "en"


@pytest.mark.parametrize("head", [
    "<meta property='og:title' content='Council passes budget | Harbour Times'>",
    "<title>Harbour Times: Council passes budget</title>",
    "<title>HARBOUR TIMES | Council passes budget</title>",
])
def test_html_title_loses_the_site_name_around_it(head):
    """og:title is taken as the site wrote it and a "Outlet: Headline" <title> is not split
    by trafilatura, so the title carried the outlet's name."""
    page = _news_page(head + "<meta property='og:site_name' content='Harbour Times'>")
    assert article_from_html(page).title == "Council passes budget"
    # A headline that merely starts with the outlet's name is left whole.
    own = ("<meta property='og:title' content='Harbour Times wins award for its coverage'>"
           "<meta property='og:site_name' content='Harbour Times'>")
    assert article_from_html(_news_page(own)).title == "Harbour Times wins award for its coverage"


def test_a_record_id_that_is_null_or_blank_is_no_id(tmp_path):
    """`"id": null` gave the id "None" to every such record, and `"id": "  "` an id of
    spaces; both now take the default id (file stem and line)."""
    text = "The council approved the budget on Monday after a long debate about roads."
    path = tmp_path / "ids.jsonl"
    path.write_text("".join(json.dumps({"id": i, "text": f"{text} Item {n}."}) + "\n"
                            for n, i in enumerate([None, "  ", None, 7])), encoding="utf-8")
    assert [a.id for a in read_paths([path]).articles] == ["ids-1", "ids-2", "ids-3", "7"]


# --- datelines and bylines that name the outlet (audit) -----------------------------------

_WIRE_BODY = ("The city council of Kessel voted on Thursday to close the old harbour bridge to "
              "lorries after engineers found cracks in two of its steel supports.\n\n"
              "The mayor said the bridge would stay open to cars and buses while repairs were "
              "planned.")


@pytest.mark.parametrize(("dateline", "published"), [
    ("KESSEL, March 14, 2024 (Reuters) - ", "2024-03-14"),
    ("KESSEL, Germany, Nov. 5, 2023 (Reuters) - ", "2023-11-05"),
    ("KESSEL, 14 March 2024 (Reuters) - ", "2024-03-14"),
    ("KESSEL, March 14 (Reuters) - ", None),  # no year: the day is not guessed
])
def test_a_dateline_with_the_year_gives_outlet_and_date(dateline, published):
    """"KESSEL, March 14 (Reuters) -" gave the outlet, but the same dateline with the year
    gave neither outlet nor date (the year did not fit the prefix pattern)."""
    article = article_from_text("Council closes harbour bridge\n\n" + dateline + _WIRE_BODY)
    assert (article.outlet, article.published) == ("Reuters", published)
    prefix = leading_dateline(dateline + "The city council")
    assert prefix.place.startswith("KESSEL") and (dateline + "The city council")[
        prefix.length:] == "The city council"


def test_a_capitals_dateline_with_the_year_is_cut_and_dates_the_article():
    prefix = leading_dateline("KESSEL, March 14, 2024 — The city council")
    assert (prefix.place, prefix.outlet, prefix.published) == ("KESSEL", None, "2024-03-14")
    assert leading_dateline("March 14, 2024 was a Thursday.") is None  # no place: prose


def test_a_bare_date_opening_the_text_dates_the_article_and_is_cut():
    """Wikinews pages (the MultiLing clusters of ../shared/eval) open the first sentence with
    the date: "Saturday, January 8, 2005 U.S. citizens ...". It was neither read as the
    publication date nor cut, so relative dates ("Monday") went unresolved and the date led
    summary sentences."""
    record = {"title": "Five guilty in bomb plot", "text": (
        "Tuesday, May 1, 2007 Five men were found guilty Monday for their part in a plot.\n\n"
        "The five had been arrested in 2004.")}
    article = article_from_record(record, default_id="r1")
    assert article.published == "2007-05-01"
    cleaned = clean_article(article)
    assert cleaned.sentences[0].text == "Five men were found guilty Monday for their part in a plot."
    assert "dateline prefix: Tuesday, May 1, 2007" in cleaned.removed_lines
    # Scraped with no space left, or without the weekday.
    assert leading_dateline("Tuesday, January 18, 2005Through a telethon").published == "2005-01-18"
    assert leading_dateline("December 29, 2004 The death toll").published == "2004-12-29"
    # A photo caption before the weekday goes with it.
    captioned = "Countries hit by the tsunami Tuesday, January 18, 2005Through a telethon, ..."
    prefix = leading_dateline(captioned)
    assert (prefix.published, captioned[prefix.length:]) == ("2005-01-18", "Through a telethon, ...")
    assert leading_dateline("Voters went to the polls Tuesday, January 18, 2005 and left.") is None
    # Prose that opens with a date, and a date with no year, are not datelines.
    assert leading_dateline("March 14, 2024 was a Thursday.") is None
    assert leading_dateline("March 14 The council met.") is None


def test_a_bare_date_later_in_the_head_does_not_date_the_article():
    """A dated line after the first may head a list of related stories."""
    text = ("Council closes harbour bridge\n\nThe council voted to close the bridge.\n\n"
            "March 3, 2015 Police arrest bridge vandal")
    assert article_from_text(text).published is None


@pytest.mark.parametrize(("byline", "outlet"), [
    ("By Jane Roe, Harbour Times", "Harbour Times"),
    ("By Jane Roe | The Daily Ledger", "The Daily Ledger"),
    ("By Jane Roe for The Guardian", "The Guardian"),
    ("By JANE ROE, Associated Press", "AP"),
    ("By Jane Roe, harbourtimes.example", "harbourtimes.example"),
    # A role, a place, a second author or a bare name is not an outlet.
    ("By Jane Roe, Staff Writer", None),
    ("By Jane Roe, Chief Political Correspondent", None),
    ("By Jane Roe, in Paris", None),
    ("By Jane Roe in Paris", None),
    ("By Jane Roe, Kessel", None),
    ("By Jane Roe and John Doe", None),
    ("By Jane Roe, John Doe", None),
])
def test_a_byline_names_the_outlet_only_when_it_is_one(byline, outlet):
    """"By Jane Roe, Harbour Times" gave no outlet; "By Jane Roe, Staff Writer" gave the
    outlet "By Jane Roe," (the desk rule took the person for the outlet)."""
    article = article_from_text("Council closes harbour bridge\n" + byline + "\n\n" + _WIRE_BODY)
    assert (article.author, article.outlet) == ("JANE ROE" if "JANE" in byline else "Jane Roe",
                                                outlet)


def test_desk_lines_do_not_take_a_byline_word_or_a_person_for_the_outlet():
    assert read_metadata_line("By Staff Reporter").outlet is None  # was "By"
    assert read_metadata_line("By Daily Star Staff Reporter").outlet == "Daily Star"
    person = read_metadata_line("Jane Roe, Staff Writer")
    assert (person.kind, person.author, person.outlet) == ("byline", "Jane Roe", None)
    assert read_metadata_line("World Bulletin / News Desk").outlet == "World Bulletin"
    assert read_metadata_line("Daily Star, News Desk").outlet == "Daily Star"  # was "Daily Star,"


@pytest.mark.parametrize("body", [
    "<nav>menu</nav>",
    ("<nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/sport'>Sport</a></nav>"
     "<footer>© 2024 Harbour Times</footer>"),
    ("<header><nav><a href='/'>Home</a> <a href='/world'>World</a></nav></header>"
     "<footer>© 2024 Harbour Times</footer>"),
    "<div role='navigation'><a href='/'>Home</a> <a href='/sport'>Sport</a></div><aside>Ads</aside>",
    "",
])
def test_a_page_of_navigation_only_is_no_article(tmp_path, body):
    """A page holding only a menu became a one-word article ("menu") that cleaning then
    dropped as empty; like an empty body it is "no article text" at read time, naming the
    file."""
    path = tmp_path / "menu.html"
    path.write_text(f"<html><head><title>Harbour Times</title></head><body>{body}</body></html>",
                    encoding="utf-8")
    result = read_paths([path])
    assert result.articles == []
    assert [(p.source, p.reason) for p in result.problems] == [
        (str(path), "no article text found in the page")]
    # A page with a menu and a real paragraph is still an article.
    page = (f"<html><body><nav>menu</nav><article><p>{_WIRE_BODY}</p></article></body></html>")
    assert "harbour bridge" in article_from_html(page).text


def test_an_article_with_an_address_and_no_outlet_is_named_by_its_site():
    """A crawler's records ({"url", "title", "text"}) had no outlet, so every event listed
    "0 outlets" and citations named no site."""
    body = "The council voted on Thursday to close the old harbour bridge to lorries."
    def outlet(**record):
        return article_from_record({"text": body, **record}, default_id="r").outlet
    assert outlet(url="https://www.bbc.co.uk/news/world-1") == "bbc.co.uk"
    assert outlet(url="https://edition.cnn.com/2024/03/14/x") == "cnn.com"
    assert outlet(url="http://wikinews.example/wiki/Bridge") == "wikinews.example"
    # What the record or the text says wins; an address with no site name gives none.
    assert outlet(url="https://www.bbc.co.uk/news/1", source="BBC News") == "BBC News"
    assert article_from_record({"text": "KESSEL (Reuters) - " + body, "url": "https://news.yahoo.com/x"},
                               default_id="r").outlet == "Reuters"
    assert outlet(url="http://127.0.0.1:8080/story") is None
    assert outlet(url="http://localhost/story") is None
    html = ("<html><body><article><h1>Bridge closed</h1><p>" + body * 3 +
            "</p></article></body></html>")
    assert article_from_html(html, url="https://www.harbour-times.example/a/1").outlet == (
        "harbour-times.example")


def test_an_ap_ascii_dateline_with_an_underscore_dash_gives_the_outlet():
    """AP's ASCII copy (as in the DUC 2004 collection) writes "PHNOM PENH, Cambodia (AP) _
    Cambodia's ..."; the prefix was neither read nor cut."""
    article = article_from_text(
        "Opposition asks ADB to stop loans\n\nPHNOM PENH, Cambodia (AP) _ " + _WIRE_BODY)
    assert article.outlet == "AP"
    prefix = leading_dateline("WASHINGTON _ The Senate voted on Thursday.")
    assert (prefix.place, prefix.outlet) == ("WASHINGTON", None)
    assert leading_dateline("Kim_Jong said so.") is None


@pytest.mark.parametrize(("line", "place"), [
    ("Kabul, Afghanistan -- The Afghan Taliban and the United States resumed talks.",
     "Kabul, Afghanistan"),
    ("Meadow Lake, Saskatchewan – The municipal council of a small town voted.",
     "Meadow Lake, Saskatchewan"),
    ("Tehran — Iran’s currency traded at a record low on Tuesday.", "Tehran"),
])
def test_a_mixed_case_placeline_with_a_spaced_dash_is_cut(line, place):
    """WCEP dev: a headline began "Kabul, Afghanistan -- The Afghan Taliban ..."."""
    prefix = leading_dateline(line)
    assert prefix is not None and prefix.place == place
    assert line[prefix.length:][:1].isupper()


@pytest.mark.parametrize("line", [
    "Kong: Skull Island is still great fun, if occasionally in a slightly sadistic way.",
    "Sixteen months after it was identified, the source was still open.",
    "Alwaght- African countries slammed the move.",  # no space before the hyphen
    "Mr. Smith went to Washington - and stayed.",
])
def test_prose_and_titles_are_no_placelines(line):
    assert leading_dateline(line) is None
