"""Searching events (newsbrief.store.events): words inside Chinese, Japanese and Thai text,
and migrations 0011 to 0013, which rewrite the search rows of older databases."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from newsbrief.cli import main
from newsbrief.config import BriefConfig
from newsbrief.ingest import read_paths
from newsbrief.models import Article
from newsbrief.store import Store
from newsbrief.store.events import (
    SEARCH_REBUILD_FLAG,
    fts_query,
    query_words,
    rebuild_search_rows,
    search_text,
)

FAST = BriefConfig(analyze=False, method="lead")

# Written for these tests: no spaces between words, as Chinese and Japanese are written.
ZH = Article(
    "zh-quake", "东京发生强烈地震",
    "东京时间周一上午发生里氏七点二级强烈地震，造成至少十二人死亡，数百人受伤。日本气象厅表示，"
    "震中位于东京湾附近，深度约四十公里。首相在记者会上呼吁民众保持冷静，并表示政府将全力救援。",
    outlet="zh.example", published="2024-03-11T02:00:00Z", language="zh")
JA = Article(
    "ja-airport", "大阪で新しい国際空港が開業",
    "大阪湾に建設された新しい国際空港が月曜日に開業した。初日には約三万人の旅客が利用し、出発"
    "ロビーは朝から混雑した。運営会社の社長は記者会見で、年間二千万人の利用を見込んでいると"
    "述べた。市内と空港を結ぶ鉄道も同じ日に運行を始めた。",
    outlet="ja.example", published="2024-05-20T03:00:00Z", language="ja")

# Thai, written for these tests: "Factory fire in Bangkok, three workers dead".
TH = Article(
    "th-fire", "ไฟไหม้โรงงานในกรุงเทพ คนงานเสียชีวิตสามคน",
    "เกิดเหตุไฟไหม้โรงงานผลิตพลาสติกในเขตบางขุนเทียน กรุงเทพมหานคร เมื่อคืนวันศุกร์ "
    "เจ้าหน้าที่ดับเพลิงใช้เวลากว่าสามชั่วโมงในการควบคุมเพลิง ตำรวจกล่าวว่าคนงานสามคนเสียชีวิต "
    "และอีกสิบคนได้รับบาดเจ็บ",
    outlet="th.example", published="2024-06-08T01:00:00Z", language="th")


def _found(store: Store, query: str) -> set[str]:
    """The ids of the articles of every event the query finds."""
    return {a.article.id for e in store.list_events(query=query)[0]
            for a in store.event_articles(e.id)}


@pytest.fixture()
def store(tmp_path: Path, seeds_dir: Path):
    with Store(tmp_path / "news.db", config=FAST) as s:
        s.add_articles([*read_paths([seeds_dir]).articles, ZH, JA])
        yield s


def test_search_text_spaces_ideographs_and_kana_only():
    assert search_text("大阪で新しい国際空港") == "大 阪 で 新 し い 国 際 空 港"
    assert search_text("iPhone手机, 2024年") == "iPhone 手 机 , 2024 年"
    assert search_text("North Korea envoy | Song Tao") == "North Korea envoy | Song Tao"
    assert search_text("한국 대통령") == "한국 대통령"  # Korean has spaces between words
    once = search_text("東京で地震")
    assert search_text(once) == once
    # English queries are the prefixes they were; a Chinese word is a phrase of its characters.
    assert fts_query("korea envoy") == '"korea"* "envoy"*'
    assert fts_query('地震 "x') == '"地 震"* "x"*'


def test_a_word_inside_chinese_or_japanese_text_is_found(store: Store, seeds_dir: Path):
    seeds = {a.id for a in read_paths([seeds_dir]).articles}
    assert _found(store, "地震") == {ZH.id}  # 强烈地震: a word inside the title's run
    assert _found(store, "东京 地震") == {ZH.id}  # every word
    assert _found(store, "空港") == {JA.id}
    assert _found(store, "開業") == {JA.id}  # the end of the run
    assert _found(store, "大阪") == {JA.id}  # its start
    assert _found(store, "空港が開業") == {JA.id}  # kana between ideographs
    # The characters of a word must be adjacent and in order: not any text holding them.
    assert _found(store, "震地") == set()
    assert _found(store, "東開") == set()
    assert _found(store, "空港 地震") == set()
    # English search is unchanged beside them.
    assert _found(store, "north korea envoy") == seeds
    assert _found(store, "envo") == seeds  # a word's start still matches
    assert _found(store, "korea 地震") == set()


def test_a_word_inside_thai_text_is_found(tmp_path: Path, seeds_dir: Path):
    """unicode61 takes Thai vowel and tone marks for separators, and a Thai title is one run
    of letters: "กรุงเทพ" (Bangkok) inside "ไฟไหม้โรงงานในกรุงเทพ" was not found."""
    assert query_words("กรุงเทพ, north-korea 2024") == ["กรุงเทพ", "north", "korea", "2024"]
    assert search_text("ในกรุง") == "ใ น ก ร ุ ง"
    with Store(tmp_path / "news.db", config=FAST) as s:
        s.add_articles([*read_paths([seeds_dir]).articles, TH, JA])
        for query in ("กรุงเทพ", "ไฟไหม้", "โรงงาน", "คนงาน", "เสียชีวิต", "กรุงเทพ ไฟไหม้"):
            assert _found(s, query) == {TH.id}, query
        # Its letters must stand in order and together, and every word must be found.
        assert _found(s, "เทพกรุง") == set()
        assert _found(s, "กรุงเทพ 空港") == set()
        assert _found(s, "envoy") == {a.id for a in read_paths([seeds_dir]).articles}


def test_events_query_on_the_command_line_finds_a_japanese_word(store: Store, capsys):
    store.close()
    assert main(["events", "--db", str(store.path), "--query", "国際空港",
                 "--format", "json"]) == 0
    (event,) = json.loads(capsys.readouterr().out)
    assert event["headline"].startswith("大阪湾に建設された")


def _write_old_search_rows(path: Path) -> None:
    """The search rows as versions before 0011 wrote them: headline and titles as they are
    (the statement of migration 0003_compact)."""
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DELETE FROM event_search")
        conn.execute(
            "INSERT INTO event_search (rowid, event_id, headline, titles) "
            "SELECT e.seq, e.id, e.headline, COALESCE((SELECT group_concat(title, ' | ') FROM "
            "(SELECT DISTINCT a.title FROM articles a WHERE a.event_id = e.id AND "
            "a.title != '' LIMIT 200)), '') FROM events e "
            "WHERE e.merged_into IS NULL AND e.article_count > 0")
    conn.close()


def test_migration_rewrites_older_search_rows_once(tmp_path: Path, seeds_dir: Path):
    path = tmp_path / "old.db"
    with Store(path, config=FAST, migrate_to=8) as s:
        s.add_articles([*read_paths([seeds_dir]).articles, ZH, JA])
    _write_old_search_rows(path)
    with Store(path, config=FAST, migrate_to=8) as s:
        # A run of ideographs and kana is one token there: no word inside it is found.
        assert _found(s, "地震") == set() and _found(s, "空港") == set()
        before = dict(s.conn.execute("SELECT event_id, headline || titles FROM event_search"))
    with Store(path, config=FAST) as s:  # migrated, and the rows rebuilt, on this open
        assert s.conn.execute("SELECT 1 FROM schema_migrations WHERE version = 11").fetchone()
        assert s.conn.execute("SELECT 1 FROM meta WHERE key = ?",
                              (SEARCH_REBUILD_FLAG,)).fetchone() is None
        assert _found(s, "地震") == {ZH.id} and _found(s, "空港") == {JA.id}
        assert rebuild_search_rows(s.conn) == 0  # done: the mark went with it
        after = dict(s.conn.execute("SELECT event_id, headline || titles FROM event_search"))
    assert set(after) == set(before)
    changed = {e for e in after if after[e] != before[e]}
    assert changed == {e for e in before if any(c in before[e] for c in "震港")}
    assert len(changed) == 2  # the English row is untouched, byte for byte


def test_a_new_database_is_not_marked_for_a_rebuild(tmp_path: Path):
    with Store(tmp_path / "new.db", config=FAST) as s:
        assert s.conn.execute("SELECT COUNT(*) FROM meta WHERE key = ?",
                              (SEARCH_REBUILD_FLAG,)).fetchone()[0] == 0
        s.add_articles([JA])
        assert _found(s, "空港") == {JA.id}


# Japanese and Chinese text writes Latin letters and digits full-width, and katakana
# sometimes half-width (written for these tests).
WIDE = Article(
    "ja-games", "ＴＯＫＹＯ２０２０　東京ｵﾘﾝﾋﾟｯｸが２０２１年に開幕",
    "東京オリンピックが金曜日に開幕した。新型コロナウイルスの影響で一年延期された大会は、"
    "無観客で開催された。開会式は国立競技場で行われ、２０５の国と地域の選手が参加した。",
    outlet="ja.example", published="2021-07-23T11:00:00Z", language="ja")


def test_full_width_and_half_width_forms_are_found_by_their_plain_spelling(tmp_path: Path):
    """"TOKYO" did not find "ＴＯＫＹＯ２０２０", "2021" "２０２１年", nor "オリンピック" the half-width
    "ｵﾘﾝﾋﾟｯｸ": unicode61 does not fold compatibility forms. Index and query are NFKC now."""
    assert search_text("ＴＯＫＹＯ２０２０　ｵﾘﾝﾋﾟｯｸ") == "TOKYO2020 オ リ ン ピ ッ ク"
    with Store(tmp_path / "news.db", config=FAST) as s:
        s.add_articles([WIDE, JA])
        for query in ("tokyo", "TOKYO2020", "ＴＯＫＹＯ", "オリンピック", "ｵﾘﾝﾋﾟｯｸ", "東京"):
            assert _found(s, query) == {WIDE.id}, query
        assert _found(s, "2021") == _found(s, "２０２１") == {WIDE.id}


def _rewritten_on_next_open(path: Path, version: int, query: str, article_id: str) -> None:
    """At schema ``version`` the old rows do not find ``article_id`` by ``query``; the next
    writable open migrates, rewrites them and clears the mark, and they do."""
    with Store(path, config=FAST, migrate_to=version) as s:
        assert _found(s, query) == set()
    with Store(path, config=FAST) as s:
        assert s.conn.execute("SELECT 1 FROM schema_migrations WHERE version = ?",
                              (version + 1,)).fetchone()
        assert s.conn.execute("SELECT 1 FROM meta WHERE key = ?",
                              (SEARCH_REBUILD_FLAG,)).fetchone() is None
        assert _found(s, query) == {article_id} and _found(s, "空港") == {JA.id}


def _old_database(path: Path, version: int, articles: list[Article],
                  rewrite_rows: Callable[[sqlite3.Connection], object]) -> None:
    """A database at schema ``version`` holding ``articles``, its search rows then made as
    that version wrote them by ``rewrite_rows`` (in one transaction)."""
    with Store(path, config=FAST, migrate_to=version) as s:
        s.add_articles(articles)
    conn = sqlite3.connect(path)
    with conn:
        rewrite_rows(conn)
    conn.close()


def test_migration_0012_rewrites_rows_written_without_nfkc(tmp_path: Path):
    """A database searched as 0011 wrote its rows (ideographs spaced, full-width kept) is
    rewritten once on the next writable open."""
    from newsbrief.store.events import _SPLIT

    def as_0011(conn: sqlite3.Connection) -> None:
        rows = conn.execute("SELECT rowid, event_id, headline, titles FROM event_search").fetchall()
        conn.execute("DELETE FROM event_search")
        conn.executemany("INSERT INTO event_search (rowid, event_id, headline, titles) "
                         "VALUES (?, ?, ?, ?)",
                         [(r, e, h, _SPLIT.sub(" ", WIDE.title) if "TOKYO" in t else t)
                          for r, e, h, t in rows])

    path = tmp_path / "old.db"
    _old_database(path, 11, [WIDE, JA], as_0011)
    _rewritten_on_next_open(path, 11, "tokyo", WIDE.id)  # the full-width title as 0011 had it


def test_migration_0013_rewrites_thai_rows_once(tmp_path: Path):
    """A database whose search rows hold a Thai title as 0012 indexed it (one run) is
    rewritten once on the next writable open."""
    path = tmp_path / "old.db"
    # The event's headline and its article's title, unspaced, as 0012 indexed them.
    _old_database(path, 12, [TH, JA], lambda conn: conn.execute(
        "UPDATE event_search SET titles = ?, headline = (SELECT headline FROM events "
        "WHERE id = event_search.event_id) WHERE titles LIKE '%ไ%'", (TH.title,)))
    _rewritten_on_next_open(path, 12, "กรุงเทพ", TH.id)


def test_a_blank_query_lists_every_event_as_no_query_does(store: Store, capsys):
    """``--query ""`` listed every event and ``--query "  "`` none ("no event matches"),
    while the API reads both as no query. Words with nothing searchable still find none."""
    every = [e.id for e in store.list_events()[0]]
    assert len(every) >= 3
    for blank in ("", " ", "\t  \n"):
        assert [e.id for e in store.list_events(query=blank)[0]] == every
        assert main(["events", "--db", str(store.path), "--query", blank, "-f", "json"]) == 0
        assert [e["id"] for e in json.loads(capsys.readouterr().out)] == every
    assert store.list_events(query="!!! --")[0] == []
