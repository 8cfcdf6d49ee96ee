"""Boilerplate removal by general rules.

Each line of an article body is kept or dropped with a reason. The rules are about the shape
of a line, not about particular strings from particular sites:

- metadata: datelines, publication/update stamps in any language, bylines (including a lone
  "Firstname Lastname" beside a date), desk and credit lines (:mod:`newsbrief.ingest.metadata`);
- repeats of the title, and lines repeated within the article;
- site chrome: share/comment/subscribe calls, "related"/"read more"/"other reports" links,
  counters, cookie and JavaScript notices, embedded-widget furniture;
- photo captions;
- kickers, standfirsts and subheads, and other lines with no sentence in them;
- lines repeated across *unrelated* articles (:func:`repeated_lines`), the signature of site
  templates and archive notices;
- a web archive's page about its own crawls, in place of the article it was asked for
  (:func:`is_archive_notice`): every line of it;
- a dateline prefix inside the first sentence ("Beijing, China | AFP | China will ..." keeps
  "China will ..."), and the whole title run into the first paragraph without a break.

This follows the line-level, shape-based approach of jusText (Pomikálek, "Removing Boilerplate
and Duplicate Content from Web Corpora", PhD thesis, Masaryk University, 2011): short lines
without sentence structure near other boilerplate are boilerplate; the cross-document
repetition test is the "duplicate content" half of the same work.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from newsbrief.ingest.metadata import CAPS_PLACE, leading_dateline, read_metadata_lines
from newsbrief.models import Article, Document
from newsbrief.segment import segment_text

__all__ = [
    "ARCHIVE_NOTICE",
    "RELATED_SIMILARITY",
    "REPEAT_MIN_ARTICLES",
    "clean_article",
    "clean_lines",
    "clean_text",
    "is_archive_notice",
    "line_reason",
    "normal_key",
    "nothing_left",
    "prepare",
    "repeated_lines",
]

# A line must recur in this many mutually unrelated articles to count as site furniture.
REPEAT_MIN_ARTICLES = 3
# TF-IDF cosine at or above which two articles are about the same story. On the Multi-News dev
# set 99% of pairs from different clusters score below 0.095 and the median same-cluster pair
# 0.24 (benchmarks/clean_audit.py --similarity); the five seeds score 0.21 to 0.76 together.
RELATED_SIMILARITY = 0.1
# Copies of one text (wire copy printed word for word, or with each outlet's own byline or
# footer) are one story however much of them the repeated lines make up: compared whole, by
# the estimated Jaccard of their 3-word shingles, at the brief's near-duplicate threshold
# (BriefConfig.duplicate_threshold).
COPY_JACCARD = 0.35
# How many kept paragraphs from the top may open with a dateline prefix.
DATELINE_PARAGRAPHS = 4
# A short line with no sentence end between paragraphs is a subhead ("Return of the envoy").
SUBHEAD_MAX_WORDS = 8
# A line this long that stops mid-sentence, followed by a lower-case line, was hard-wrapped.
WRAP_MIN_WORDS = 6

_WORD = re.compile(r"\w+", re.UNICODE)
# An outlet's note about the story itself, not about the event: "This story has been corrected
# to show ...", "This article was amended on 9 June 2016. ...", "This is a developing story.
# Stay with tampabay.com for updates.", "... will update this story as more information comes
# available." (11 lines of Multi-News dev, all such notes; a line of at most
# _NOTE_MAX_WORDS, so a story printed as one long line is not lost for one sentence.)
_STORY_NOTE = re.compile(
    r"\bthis (?:story|article|post|report) (?:has been|was|is being|will be) "
    r"(?:updated|corrected|amended|revised)|\bupdate this (?:story|article|post|report)\b|"
    r"\bcheck back (?:later |soon )?for (?:more|updates)|"
    r"\bthis is a (?:developing|breaking)(?: news)? story\b")  # searched in lower case
# Every match holds one of these (searched first: the regex alone tries every position).
_STORY_NOTE_HINTS = ("this story", "this article", "this post", "this report", "check back",
                     "developing story", "breaking story", "breaking news story")
_NOTE_MAX_WORDS = 40
# The same at a line's start: "Updated at 9:23 a.m. to correct the name of the driver.",
# "Update: The post has been updated to include comments from the airlines."
_UPDATE_NOTE = re.compile(r"(?:updated|update|corrected|correction|clarification)\b.{0,60}?"
                          r"\bto (?:correct|reflect|include|add|clarify)\b")
_UPDATE_NOTE_STARTS = ("updat", "correct", "clarif")
# A line that is mostly web addresses is a link list or an embed's leftovers (at least this
# share of its characters; a sentence that cites one address is far below it).
_URL = re.compile(r"(?:https?://|www\.)\S+")
_URL_SHARE = 0.4
# The ideographic full stop and the full-width marks end Chinese and Japanese sentences.
_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’»)\]」』]*\s*$|[\"”»]\s*$")
# A list bullet, or a dash and a space opening a line ("- Our annual database ...", "— For
# years, the weather ..." where the page's placeline before the dash was lost).
_BULLET = re.compile(r"^\s*(?:[•·▪●►▶■□◦*]+|[-–—]{1,2}(?=\s))\s*")
# Characters that print nothing and split words for every reader after us: zero-width space,
# word joiner, a byte-order mark inside the text, soft hyphen ("\u200bCNN \u200bis being
# sued"). The zero-width joiners, which some scripts and emoji need, stay.
_INVISIBLE_CHARS = "\u200b\u2060\ufeff\u00ad"
_INVISIBLE = dict.fromkeys(map(ord, _INVISIBLE_CHARS))
# Wikipedia's footnote marks glued to the text ("... Ministry of Culture.[1][2]It is ..."); a
# number in brackets after a space is text ("she is young [40]").
# (The lookbehind comes after the bracket, so that the engine skips ahead to each "[".)
_FOOTNOTE = re.compile(r"\[(?<=[\w.,;:)\"”’]\[)\d{1,3}\](?:\[\d{1,3}\])*")
# A web archive's description of a crawl or collection, scraped in place of the article that
# was asked for: "These crawls are part of an effort to archive pages as they are created ...",
# "Starting in 1996, Alexa Internet has been donating their crawl data to the Internet
# Archive", "Crawl of outlinks from wikipedia.org started March, 2016" (30 Multi-News dev
# articles; the eval README names archive notices among that set's scraping noise). One of
# its first two lines speaks of crawls or names the archive, the text uses three or more of an
# archive's words (the news articles of the evaluation sets that open with "crawled" use one),
# and little of it is about anything else.
ARCHIVE_NOTICE = "web archive's notice, not the article"
_ARCHIVE_OPENING = re.compile(  # searched in lower case
    r"\bcrawl(?:s|ed|er|ers|ing)?\b|\binternet archive\b|\bwayback machine\b|\barchive-it\b|"
    r"\bthe seed for wide\d+\b")  # the Internet Archive's: "The seed for Wide00014 was:"
_ARCHIVE_OPENING_HINTS = ("rawl", "RAWL", "rchive", "RCHIVE", "ayback", "AYBACK", "eed for")
_ARCHIVE_WORDS = re.compile(
    r"\b(?:crawl(?:s|ed|er|ers|ing)?|archiv(?:e|ed|es|ing)|wayback|warc|seed ?lists?|seeds?|"
    r"heritrix|captures|collections?|outlinks|robots\.txt|alexa|no more 404|wide\d{5}|"
    r"inter-?domain)\b|\bIA\b",
    re.IGNORECASE)
_ARCHIVE_MIN_WORDS = 3
_ARCHIVE_MAX_OTHER_WORDS = 150
# AP's and the New York Times' ASCII copy (as in the DUC and TDT collections): ``quotes'' and
# an underscore between spaces for a dash ("WASHINGTON (AP) _ The Senate ...").
_ASCII_DASH = re.compile(r"(?<=\s)_(?=\s)")
# The agencies whose names credit a photo ("Photo: Tolga Akmen / AFP", "REUTERS/Navesh
# Chitrakar").
_PHOTO_AGENCIES = "AFP|Reuters|AP|Getty Images|EPA-EFE|EPA|Xinhua|Bloomberg|Shutterstock"
# A video player's or photo viewer's buttons run into the paragraph after them: USA Today's
# "CLOSE Skip in Skip x Embed x Share The discovery of ...", "Email This Even at 88, ...",
# "Enlarge Image Close Getty Images LeBron James ...", "[Video Link] The Wilco track ..." (17
# lines of the summarization sets). Each is cut onto a line of its own, which the line rules
# then drop.
_WIDGET_PREFIX = re.compile(
    rf"(?:CLOSE(?=\s+[A-Z\"“])|Skip in Skip x Embed x Share|E-?mail This|Enlarge (?:Image|Photo) Close"
    rf"(?: (?:{_PHOTO_AGENCIES})(?: News)?)?|\[Video Link\]|Story highlights)(?=\s+\S)")
_WIDGET_PREFIX_STARTS = ("CLOSE", "Skip", "Email", "E-mail", "Enlarge", "[Video", "Story")
# A wire dateline inside a paragraph, where a page ran its standfirst or a photo's caption into
# the story: "... stalled in the testing phase for years. MAKASSAR, Indonesia (AP) — An early
# warning system ...". The story starts a line of its own there (and loses the dateline). Not
# after a capital, which would cut "NEW YORK (AP)" in two.
_AGENCY_DASHES = (") —", ") -", ") –")
_EMBEDDED_DATELINE = re.compile(
    rf"(?<=[a-z0-9.!?\"”’)…])\s+(?={CAPS_PLACE}"
    r"\s*\([A-Z][\w .&/-]{1,30}\)\s*[-–—]+\s+[A-Z\"“])"
)
# A photo's credit naming an agency, with the story run on after it where the page lost the
# break: "Carlsen in action against Curuana on Wednesday. Photo: Tolga Akmen / AFP Three-time
# chess champion Magnus Carlsen ...". The caption and its credit become a line of their own.
# Its words are looked for first: the alternation opening the pattern is tried at every
# position.
_CREDIT_WORDS = ("Photo:", "Photos:", "PHOTO:", "Picture:", "Image:", "Credit:", "CREDIT:",
                 "Photo :", "Credit :")
_CREDIT_RUN_IN = re.compile(
    r"\b(?:Photo|PHOTO|Picture|Image|Credit|CREDIT)s?\s*:[^.:\n]{1,60}?"
    rf"(?:/|\s)(?:{_PHOTO_AGENCIES})\b\s*\)?(?=\s+[A-Z])"
)
# Text decoded with the wrong code page: a C1 control character (Windows-1252's curly quotes
# and dashes read as Latin-1: "Christ\x92s", "(AP) \x97 Websites") or UTF-8 read as Windows-1252
# ("Â£200 million", "isnÃ¢Â€Â™t"): a lead byte's letter, then a continuation byte's character.
_C1 = re.compile("[\x80-\x9f]")
_UTF8_AS_1252 = re.compile(
    "[\u00c2\u00c3\u00c5\u00ce\u00d0\u00e2][\x80-\xbf\u0152\u0153\u0160\u0161\u0178\u017d"
    "\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018\u2019\u201a\u201c\u201d\u201e\u2020\u2021"
    "\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
# The characters _C1 and _UTF8_AS_1252 start with, looked for first: one character class is
# scanned five times faster than an alternation.
_MOJIBAKE_LEAD = re.compile("[\x80-\x9f\u00c2\u00c3\u00c5\u00ce\u00d0\u00e2]")
# A heading, caption or link run into the next sentence where the page lost the line break
# between them ("Local death tolls Near the epicenter ...", "... charge Mosul airport It comes
# days after ..."): after a word in lower case (not an article: "the It girl") and one space,
# a capitalised word that only opens a sentence, then a lower-case word. English only. The
# pattern starts at the capital and checks what comes before it by lookbehinds, so the regex
# engine skips from one such capital to the next (seven times faster than starting at the
# space).
_SENTENCE_OPENERS = (
    "The", "In", "On", "At", "As", "Near", "After", "Before", "When", "While", "But", "However",
    "According", "During", "Meanwhile", "Although", "Despite", "Following", "It", "He", "She",
    "They", "We", "This", "These", "Those", "There",
)
_OPENER_INITIAL = "[" + "".join(sorted({word[0] for word in _SENTENCE_OPENERS})) + "]"
_RUN_IN = re.compile(
    rf"{_OPENER_INITIAL}(?<=[a-z%)] {_OPENER_INITIAL})"
    + "".join(rf"(?<!\b{article} {_OPENER_INITIAL})" for article in ("the", "a", "an"))
    + "(?:" + "|".join(f"(?<={word[0]}){word[1:]}" for word in _SENTENCE_OPENERS) + ") (?=[a-z0-9])"
)
_QUOTE_MARKS = re.compile("[\"\u201c\u201d]")


# A page's label printed into a paragraph before the next sentence: "... this past Monday.
# Advertisement As its name suggests, TESS ...", "Continue reading the main story Previous
# rallies ..." (about 20 sentences of the evaluation files). It goes onto a line of its own,
# which the label rules drop.
_LABEL_RUN_IN = re.compile(
    r"(?:^|(?<=[.!?\"”’)] ))(?:(?:Advertisement|ADVERTISEMENT|Continue reading the main story|"
    r"Story continues below|Scroll down for video)(?: |$))+(?=[A-Z\"“‘]|$)")
_LABEL_RUN_IN_WORDS = ("Advertisement", "ADVERTISEMENT", "Continue reading", "Story continues",
                       "Scroll down")


def _cut_out(line: str, spans: Iterable[tuple[int, int]]) -> list[str]:
    """``line`` with each of the ordered ``spans`` on a line of its own, between the text
    before and after it (empty parts left out)."""
    parts, start = [], 0
    for begin, end in spans:
        parts += [line[start:begin].strip(), line[begin:end].strip()]
        start = end
    return [part for part in [*parts, line[start:].strip()] if part] if parts else [line]


def _label_run_ins(line: str) -> list[str]:
    """``line`` with each label printed into it (:data:`_LABEL_RUN_IN`) on a line of its own."""
    if not any(word in line for word in _LABEL_RUN_IN_WORDS):
        return [line]
    return _cut_out(line, (match.span() for match in _LABEL_RUN_IN.finditer(line)))


def _widget_prefixes(line: str) -> list[str]:
    """``line`` with each player or viewer button it opens with (:data:`_WIDGET_PREFIX`) cut
    onto a line of its own."""
    parts = []
    while line.startswith(_WIDGET_PREFIX_STARTS) and (m := _WIDGET_PREFIX.match(line)):
        parts.append(m.group())
        line = line[m.end():].lstrip()
    return [*parts, line] if parts else [line]


def _run_ins(line: str) -> list[str]:
    """``line`` cut where a sentence starts without a break before it (:data:`_RUN_IN`), so
    that each part is kept or dropped on its own; never after a capitalised word (a name:
    "Moon Jae In said", "the official Hearings Before the Subcommittee"), inside a quotation,
    or after a single word."""
    parts, start = [], 0
    for m in _RUN_IN.finditer(line):
        head = line[start : m.start() - 1]
        if (
            " " in head.strip()
            and not head[head.rfind(" ") + 1 :][:1].isupper()
            and len(_QUOTE_MARKS.findall(line, 0, m.start())) % 2 == 0
        ):
            parts.append(head)
            start = m.start()
    return [*parts, line[start:]] if parts else [line]


_LABELS = (
    r"share|share this( article| story)?|tweet|e-?mail|print|comments?|discuss( this( article| "
    r"story)?)?|related|related (articles?|stories|news|coverage|content|topics|links)|read more|"
    r"read next|more on this( story)?|see also|also|also read|recommended|editor'?s picks?|"
    r"advertisement|advertising|sponsored( content)?|promoted|click here|subscribe|sign up|"
    r"follow us|you may also like|trending( now| news)?|most read|most popular|top stories|"
    r"back to top|skip to( main)? content|log ?in|sign in|register|newsletter|copyright|"
    r"all rights reserved|©|text size|font size|story continued below|continue reading"
    r"( the main story| below)?|more from|latest news|breaking news|up next|next article|"
    r"previous article|play video|watch|video|photos?|gallery|listen|audio|reset"
)
# A line that starts with a site label ("Read more: ...", "RELATED: ...", "Advertisement").
_CHROME_START = re.compile(rf"^\W*({_LABELS})\b\s*([:|»›>\-–—].*)?$", re.IGNORECASE)
_CHROME_PREFIX = re.compile(rf"^\W*({_LABELS})\s*[:|»›>\-–—]", re.IGNORECASE)
# Calls to action: an imperative web verb and a web object in a short line.
_CALL_TO_ACTION = re.compile(
    r"^\W*(share|tweet|e-?mail|print|comment|subscribe|sign up|follow|click|tap|read|watch|"
    r"listen|download|join|like|continue reading|see|view|get|install|register|log in|discuss|"
    r"add|please enable|enable|turn on)\b(?:\W+[\w'’]+){0,6}?\W+(article|story|stories|"
    r"newsletter|app|video|comments?|us|me|here|more|photos?|gallery|link|page|e-?mail|inbox|"
    r"facebook|twitter|instagram|whatsapp|linkedin|reddit|pinterest|youtube|telegram|feed|"
    r"alerts?|edition|updates?|javascript|cookies?|notifications?|podcast|tweets?|browser)\b",
    re.IGNORECASE,
)
# Furniture of embedded widgets, consent banners and archive pages: shapes seen on many sites.
# Each alternative comes with literals (lower case) at least one of which any match contains,
# so most lines are ruled out by a few substring tests instead of an unanchored search of the
# whole alternation at every position (about 100 us on a prose paragraph); a line that passes
# is searched only with the alternatives whose literals it holds, each compiled alone (see
# _any_part).
_WIDGET_PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"tweet with a location", ("tweet with a location",)),
    (r"add location information to your tweets", ("location information",)),
    (r"(we|this site|this website) uses? cookies", ("cookies",)),
    (r"by (continuing|using) (to use )?(this|our) (site|website)", ("by continuing", "by using")),
    (r"accept (all )?cookies", ("cookies",)),
    (r"cookie (policy|settings|preferences)", ("cookie ",)),
    (r"(enable|turn on) javascript", ("javascript",)),
    (r"javascript (is )?(disabled|required)", ("javascript",)),
    (r"your browser does not support", ("your browser",)),
    (r"this (article|page|story) (is|was) (archived|saved|no longer)",
     ("archived", "saved", "no longer")),
    (r"(has been|was) (archived|captured) (by|from|on)", ("archived", "captured")),
    (r"wayback machine", ("wayback machine",)),
    (r"internet archive", ("internet archive",)),
    (r"crawl data", ("crawl data",)),
    (r"captured (\d+ )?times", ("captured",)),
    (r"please verify you'?re not a robot", ("not a robot",)),
    (r"invalid email address", ("invalid email address",)),
    (r"by signing up,? you agree", ("by signing up",)),
    (r"we'?ll never share your", ("never share your",)),
    (r"terms of (use|service) and privacy", ("terms of ",)),
    (r"all rights reserved", ("all rights reserved",)),
    # A video player's furniture: "JUST WATCHED ... Replay More Videos ... MUST WATCH ...".
    (r"replay more videos", ("replay more videos",)),
    # A newsletter pitch: "Sign up now for the Us Weekly newsletter to get breaking celebrity
    # news, hot pics and more delivered straight to your inbox!" (second person: news about
    # mail says "their inbox").
    (r"\b(sign(ing)? up|newsletter)\b[^.!?]*\byour inbox\b", ("your inbox",)),
    # Rights notices and a page that is gone: "For any licensing requests please contact
    # licensing@...", "If you would like to reuse any content from New Scientist ... contact the
    # syndication department", "The article you have been looking for has expired".
    (r"\blicensing (requests?|inquiries|enquiries)\b|licensing@", ("licensing",)),
    (r"\breuse any (of our |of this )?content\b|\bcontact the syndication (department|desk)\b",
     ("reuse any", "syndication")),
    (r"\b(article|page|story) you (have been|are|were) looking for\b", ("looking for",)),
    (r"\bthis video is copyright(ed)? protected\b", ("copyright",)),
    # A reporter's contact line: "Cristina Silva can be reached at ...", "Call IndyStar reporter
    # Holly Hays at (317) 444-6156. Follow her on Twitter: @hollyvhays."
    ((r"\bcan be (reached|contacted) at\b|\bfollow (him|her|them) on twitter\b|"
     r"\be-?mail (him|her|them) at\b"), ("can be ", "follow ", "mail ")),
    (r"may not be (published|reproduced|broadcast|rewritten|redistributed)", ("may not be ",)),
    # A video player's messages in place of the video (YouTube's, on many pages).
    (r"rating is available when the video has been rented", ("video has been rented",)),
    (r"interactive transcript could not be loaded", ("interactive transcript",)),
    (r"this feature is not available right now", ("not available right now",)),
    # Account and sign-up forms: "Already have an account?", "We have sent a confirmation
    # email to {* data_emailAddress *}. Please check your email and click on the link to
    # activate your account.", "Just fill in your contact details ... to join our mailing list".
    (r"already have an account\b", ("already have an account",)),
    (r"why are we asking (for )?this\b", ("why are we asking",)),
    (r"thank you for (registering|subscribing|signing up)\b", ("thank you for ",)),
    (r"\b(click|tap) (on )?the link (below )?to (activate|confirm|verify)\b", ("the link ",)),
    (r"\b(join|subscribe to|sign up for|sign up to) our (mailing list|newsletters?)\b",
     ("our mailing list", "our newsletter")),
    # A show's schedule under its video: "Watch The Late Show with Stephen Colbert weeknights at
    # 11:35 PM ET/10:35 PM CT. Only on CBS." (not "reruns still play on weeknights").
    (r"^\W*watch\b.{0,80}\bweeknights\b", ("weeknights",)),
    # NBC News' box: "Breaking News Emails Get breaking news alerts and special reports. ...".
    (r"\bbreaking news e-?mails get breaking news alerts\b", ("breaking news alerts",)),
    # A sign-in widget's unfilled placeholder ("{* loginWidget *}", "{* data_emailAddress *}").
    (r"\{\*[^{}]*\*\}", ("{*",)),
    (r"custom domain mapping", ("domain mapping",)),
)
_WIDGET = tuple((re.compile(part, re.IGNORECASE), hints) for part, hints in _WIDGET_PARTS)
_WIDGET_HINTS = tuple(dict.fromkeys(hint for _, hints in _WIDGET_PARTS for hint in hints))
_BLOCK_OPENING = 150  # characters
_SOCIAL_ONLY = re.compile(
    r"^[\W\d]*((share|tweet|pin|email|e-mail|print|facebook|twitter|x|whatsapp|linkedin|reddit|"
    r"pinterest|telegram|messenger|copy link|flipboard|tumblr|comments?|shares?|likes?|play)"
    r"[\W\d]*)+$",
    re.IGNORECASE,
)
_OTHER_REPORTS = re.compile(
    r"^\W*(other|more|latest|related|further) (reports|stories|articles|news|coverage|pieces|"
    r"posts)\b.{0,60}$",
    re.IGNORECASE,
)
_COUNTER = re.compile(r"^\W*\d[\d,.]*\s*[kKmM]?\s*(comments?|shares?|views?|likes?|replies)\W*$",
                      re.IGNORECASE)
_CAPTION = re.compile(
    # Captions describe the picture in the present tense ("This photo shows", "In this photo
    # provided by ..."); news prose about a photo uses the past ("A photo released ... showed").
    # AP's dated form: "In this May 24, 2016, file photo, ...", "In this Saturday, July 1,
    # 2017, photo, ...", "FILE - In this ..."; and "File photo of ...".
    r"^\W*(file\s*[-–—]+\s*)?((in )?this ((mon|tues|wednes|thurs|fri|satur|sun)day,? )?"
    r"([a-z]{3,9}\.? \d{1,2},? )?"
    r"(\d{4},? )?(file |handout |undated )?(photo|picture|image|graphic|screenshot|"
    r"screengrab|frame grab)\b|file (photo|picture|image)s? of\b|"
    r"(an? |the )?(file |handout |undated )?(photo|picture|image|graphic|"
    r"screenshot|screengrab)s?\b.{0,150}\b(shows?|showing)\b|(file photo|photo|image|picture|"
    r"credit|source|photograph|pictured|image copyright|image caption|media caption|caption)"
    r"\s*[:|/]|\((photo|image|file|picture)\b|(image (copyright|caption)|media caption)\b|"
    r"media playback|(enlarge this image|toggle caption)\b)",
    re.IGNORECASE,
)
# Credits and captions at the end of a line, each alternative with its literals as above.
_CAPTION_TAIL_PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"(\(|\b)(photo|picture|image)s?\s*(by|:|credit)", ("photo", "picture", "image")),
    (rf"/\s*({_PHOTO_AGENCIES})\b", ("/",)),
    # "..., in this March 24, 2015 file photo."
    (r"\bin this\b[^.]{0,40}\b(file |handout )?(photo|picture|image)\W*$", ("in this",)),
    (r"\b(Getty Images|AFP Photo|Reuters Photo|AP Photo|EPA-EFE)\b\W*$",
     ("getty images", "photo", "epa-efe")),
    (r"\((photo|foto|image|picture|bild|imagen)\b[^)]*\)\W*$",
     ("photo", "foto", "image", "picture", "bild")),
    # A credit closing the line, in a capital ("... under a parking lot. Credit: Dr. Oliver
    # J. T. O'Grady"; "... Rape Allegations CREDIT: AP Photo/Brennan Linsley Bill Cosby
    # performs at the Buell Theater ..."); prose gives "credit: his policies worked".
    (r"(?-i:\b(?:Credit|CREDIT)\s*:).{1,120}$", ("credit",)),
    # AP's photo credits, whole or cut short, in its galleries' captions: "... in Rome,
    # Friday, Oct. 14, 2011. (AP Photo/Reed Saxon) (Associated Press)", "... Italy's Parliament
    # has begun debating before... (Associated Press)", "(Joe Cavaretta /South Florida
    # Sun-Sentinel via AP)"; not a story's sign-off "... was freed in June. – (AP)".
    (r"(?:\(AP Photo\b[^)]*\)?|\([^()]*\bvia AP\))(?:\s*\(Associated Press\))?\W*$"
     + r"|(?:\.\.\.|…)\s*\(Associated Press\)\W*$", ("ap photo", "via ap", "associated press")),
    # An agency and its photographer closing the line: "... Nepal May 30, 2016.
    # REUTERS/Navesh Chitrakar", "... 2009. REUTERS/Carlos Garcia Rawlins/File Photo".
    (rf"\b(?:{_PHOTO_AGENCIES})\s*/\s*[A-Z][^/\n]{{1,40}}(?:/\s*File(?: Photo)?)?\W*$", ("/",)),
)
_CAPTION_TAIL = tuple((re.compile(part, re.IGNORECASE), hints) for part, hints in _CAPTION_TAIL_PARTS)
_CAPTION_TAIL_HINTS = tuple(dict.fromkeys(hint for _, hints in _CAPTION_TAIL_PARTS for hint in hints))
_CAPTION_REASON = "photo caption"
_TITLE_REASON = "repeats the title"
_KICKER_REASON = "kicker or standfirst"
_THE_NEWS_WHEN_ALONE = (_CAPTION_REASON, _TITLE_REASON)
# AP's gallery captions run to about 90 words when a caption is printed twice in one line.
_CAPTION_MAX_WORDS = 100
_POSITION_MARK = re.compile(r"\((?:[RLC]|left|right|center|centre|front|back|top|bottom)\)")
# Captions narrate the picture in the present tense.
_CAPTION_VERB = re.compile(
    r"\b(shows?|pictured|poses?|posing|seen|attends?|arrives?|gestures?|meets|speaks|talks|"
    r"waves|shakes|walks|sits|stands|looks|listens|holds|delivers|greets|leaves|smiles)\b",
    re.IGNORECASE,
)


# Characters that re.IGNORECASE matches to an ASCII letter but that str.lower() does not turn
# into it (dotted and dotless i, long s); a line holding one gets the full regex search.
_FOLD_SPECIAL = ("\u0130", "\u0131", "\u017f")
# What \s matches at the end of a line (re's \s is str.isspace) and what may close a sentence.
_CLOSERS = "\"'\u201d\u2019\u00bb)]\u300d\u300f"


def _hint_text(stripped: str, lower: str) -> str | None:
    """The lower-cased line (``lower``) that literal hints are looked for in, or ``None`` when
    they cannot rule a match out (the line holds a character of :data:`_FOLD_SPECIAL`)."""
    if any(ch in stripped for ch in _FOLD_SPECIAL):
        return None
    return lower


def _any_part(stripped: str, hint_text: str | None,
              parts: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...],
              all_hints: tuple[str, ...], enough: int = 1) -> bool:
    """Whether at least ``enough`` patterns of ``parts`` match somewhere in ``stripped`` (one:
    a search of their alternation), done cheaply.

    A pattern is searched only where one of its literal hints occurs in ``hint_text`` (all of
    them when it is ``None``). Searched alone, most patterns start with a literal or a small
    set of characters that the regex engine skips ahead to, where the alternation of all of
    them is tried at every position of the line.
    """
    if hint_text is not None and not any(hint in hint_text for hint in all_hints):
        return False  # the common case, decided by one pass over the deduplicated hints
    found = 0
    for pattern, hints in parts:
        if (hint_text is None or any(hint in hint_text for hint in hints)) \
                and pattern.search(stripped) is not None:
            found += 1
            if found >= enough:
                return True
    return False


def _ends_sentence(line: str) -> bool:
    """``_SENTENCE_END.search(line)`` without the search (which tries every position): the
    line, right-stripped of whitespace, ends in a closing quote, or in [.!?…。！？] and
    closers."""
    trimmed = line.rstrip()
    if not trimmed:
        return False
    if trimmed[-1] in "\"\u201d\u00bb":
        return True
    core = trimmed.rstrip(_CLOSERS)
    return bool(core) and core[-1] in ".!?\u2026\u3002\uff01\uff1f"


def normal_key(line: str) -> str:
    """Lower-cased words of ``line`` joined by single spaces (case and punctuation ignored)."""
    return " ".join(_WORD.findall(line.lower()))


def _is_chrome(stripped: str, words: int, hint_text: str | None) -> bool:
    if words <= 60 and _any_part(stripped, hint_text, _WIDGET, _WIDGET_HINTS):
        return True
    # A longer block is furniture when it opens with it and two different kinds of it meet
    # there: a newsletter form run into one paragraph ("Newsletter Sign Up ... Please verify
    # you're not a robot by clicking the box. Invalid email address. ..."). An article set as
    # one line may end in a rights notice of two kinds.
    if 60 < words <= 200 and _any_part(stripped[:_BLOCK_OPENING], None if hint_text is None else
                                  hint_text[:_BLOCK_OPENING], _WIDGET, _WIDGET_HINTS) \
            and _any_part(stripped, hint_text, _WIDGET, _WIDGET_HINTS, enough=2):
        return True
    # Counted by spaces here: an address is many \w+ words.
    if ("http" in stripped or "www." in stripped) and len(stripped.split()) <= 60 and sum(
            map(len, _URL.findall(stripped))) >= _URL_SHARE * len(stripped):
        return True  # "Read or Share this story: https://...", an embed's leftover address
    if words <= 12 and (_CHROME_START.match(stripped) or _SOCIAL_ONLY.match(stripped)
                        or _COUNTER.match(stripped) or _OTHER_REPORTS.match(stripped)):
        return True
    if words <= 25 and _CHROME_PREFIX.match(stripped) and not _ends_sentence(stripped):
        return True  # "RELATED: Best Places To Live In The World 2016"
    return words <= 20 and bool(_CALL_TO_ACTION.match(stripped))


def _is_caption(stripped: str, words: int, hint_text: str | None) -> bool:
    if words > _CAPTION_MAX_WORDS:
        # A whole story set as one line may open with a picture's credit or caption ("Image
        # copyright PA Discount retailer Poundworld has appointed administrators ...", 713
        # words) or name who stands on the left: losing the story costs more than the caption.
        return False
    if _CAPTION.match(stripped):
        return True
    if words <= 60 and _any_part(stripped, hint_text, _CAPTION_TAIL, _CAPTION_TAIL_HINTS):
        return True
    # "Song Tao (R) meets Choe Ryong-hae in Pyongyang on Friday." is a caption, not news prose.
    return bool(_POSITION_MARK.search(stripped) and _CAPTION_VERB.search(stripped))


def _headline_shape(stripped: str, words: list[str]) -> bool:
    """ALL CAPS, Title Case, or set off by dashes/quotes: the typography of a subhead."""
    letters = [ch for ch in stripped if ch.isalpha()]
    if letters and sum(ch.isupper() for ch in letters) / len(letters) > 0.8:
        return True
    if re.match(r"^\s*[-–—'‘\"“]+.*[-–—'’\"”]+\s*$", stripped):
        return True
    capital = [w for w in stripped.split() if w[:1].isalpha() and len(w) > 3]
    return bool(capital) and all(w[:1].isupper() for w in capital)


def line_reason(line: str, title_key: str = "", before_body: bool = False) -> str | None:
    """Why ``line`` is boilerplate (context-free rules), or ``None`` when it is article text.

    ``before_body`` says no sentence has been kept yet, so a short line without a sentence
    is a kicker or standfirst rather than a subhead.
    """
    stripped = line.strip()
    if not stripped:
        return None
    lower = stripped.lower()
    words = _WORD.findall(lower)
    return _line_reason(stripped, lower, words, " ".join(words), title_key, before_body)


def _line_reason(
    stripped: str, lower: str, words: list[str], key: str, title_key: str, before_body: bool
) -> str | None:
    """:func:`line_reason` of a stripped, non-empty line, given its lower-cased text, the
    words of that and their :func:`normal_key` (``" ".join(words)``): the caller needs them
    too, so each is computed once per line."""
    if not words:
        return "no words"
    if title_key:
        if key == title_key or (len(words) >= 4 and key in title_key):
            return _TITLE_REASON
        extra = len(words) - len(title_key.split())
        if title_key in key and 0 < extra <= 5 and not _ends_sentence(stripped):
            return _TITLE_REASON  # "Title - Site Name", "Title | Section"
    hint_text = _hint_text(stripped, lower)
    if _is_chrome(stripped, len(words), hint_text):
        return "site chrome"
    if _is_caption(stripped, len(words), hint_text):
        return _CAPTION_REASON
    if stripped[0] in "([" and stripped[-1] in ")]" and stripped.upper() == stripped:
        # A wire desk's note in capitals: "(STORY CAN END HERE. OPTIONAL 2ND TAKE FOLLOWS.)",
        # "[READ THE LETTER.]".
        return "editor's note"
    if len(words) <= _NOTE_MAX_WORDS and (
            (any(hint in lower for hint in _STORY_NOTE_HINTS) and _STORY_NOTE.search(lower))
            or (lower.startswith(_UPDATE_NOTE_STARTS) and _UPDATE_NOTE.match(lower))):
        return "editor's note"
    if not _ends_sentence(stripped):
        if stripped.endswith(":") and len(words) >= 8:
            return None  # a lead-in to a quote or a list: "He said in a statement:"
        if len(words) < 20:
            if before_body:
                return _KICKER_REASON
            if len(words) <= SUBHEAD_MAX_WORDS or (len(words) <= 12 and _headline_shape(stripped, words)):
                return "subhead"
            return "no sentence"
    return None


def _join_wrapped(lines: list[str]) -> list[str]:
    """Join hard-wrapped lines: a line with no sentence end and a next line that starts in
    lower case are one paragraph ("... climate change has become" + "a flashpoint for ...")."""
    joined: list[str] = []
    for line in lines:
        if (
            joined
            and line[:1].islower()
            and len(joined[-1].split()) >= WRAP_MIN_WORDS
            and not _ends_sentence(joined[-1])
        ):
            joined[-1] = f"{joined[-1]} {line}"
        else:
            joined.append(line)
    return joined


def _after_title(line: str, title: str) -> str | None:
    """The rest of a first paragraph that opens with the whole title and goes straight on
    with a new capitalised sentence ("Republicans Keep Senate Majority Republicans will
    ...") or a dateline, as pages scraped without their markup do; ``None`` when it does
    not."""
    title = " ".join(title.split())
    if len(title.split()) < 3 or not line.startswith(title):
        return None
    rest = line[len(title):]
    if not rest[:1].isspace():
        return None
    rest = rest.strip()
    # The story may open with its dateline ("... global warming (THE CONVERSATION) A
    # record-breaking cold wave ..."), which the caller cuts off next.
    return rest if rest[:1].isupper() or leading_dateline(rest) is not None else None


# The BBC's picture and video furniture printed into the story when a page is flattened:
# "... suspicious". Image copyright Heidi Maury Image caption An air ambulance landed at the
# wildlife park but there were no other injuries Hamerton Zoo Park said in a statement ...".
_PICTURE_MARK_WORDS = ("Image copyright", "Image caption", "Media caption")
_PICTURE_MARK = re.compile(r"\b(?:" + "|".join(_PICTURE_MARK_WORDS) + r")\b")
_CREDIT_AGENCY = re.compile(rf"\s*(?:(?:{_PHOTO_AGENCIES}|PA)(?:/(?:{_PHOTO_AGENCIES}))?)\b")
# A caption has no full stop: it ends where a word that is not a function word is followed
# by a capitalised one ("... no other injuries Hamerton Zoo Park said"), not in "enclosures
# for Malaysian tigers and Bengal tigers".
_CAPTION_END = re.compile(r"(?<=[a-z0-9%)'’]) (?=[A-Z])")
_CAPTION_MAX = 40  # words
_FUNCTION_WORDS = frozenset((
    "a", "an", "the", "of", "in", "on", "at", "to", "for", "from", "by", "with", "and", "or",
    "but", "near", "into", "onto", "over", "under", "as", "than", "about", "after", "before",
    "during", "outside", "inside", "between", "against", "among", "via",
))


def _picture_run_ins(line: str) -> list[str]:
    """``line`` with each BBC credit and caption (:data:`_PICTURE_MARK`) run into it cut onto a
    line of its own; a caption whose end cannot be told stays where it is."""
    marks = list(_PICTURE_MARK.finditer(line))
    spans, start = [], 0
    for i, mark in enumerate(marks):
        if mark.start() < start:
            continue
        next_mark = marks[i + 1].start() if i + 1 < len(marks) else len(line)
        end = None
        if mark.group() == "Image copyright":
            between = line[mark.end():next_mark]
            if next_mark < len(line) and len(between.split()) <= 6:
                end = next_mark  # the credit runs to the caption after it
            elif agency := _CREDIT_AGENCY.match(line, mark.end()):
                end = agency.end()
        elif len(line[mark.end():next_mark].split()) <= _CAPTION_MAX:
            end = next_mark  # nothing but the caption up to the next mark or the line's end
        else:
            for gap in _CAPTION_END.finditer(line, mark.end(), next_mark):
                before = line[mark.end():gap.start()].split()
                if len(before) > _CAPTION_MAX:
                    break
                if len(before) > 2 and before[-1].lower() not in _FUNCTION_WORDS:
                    end = gap.start()
                    break
        if end is not None:
            spans.append((mark.start(), end))
            start = end
    return _cut_out(line, spans)


# A long line (a story set as one line) that opens with its picture's credit: "Illustration:
# NASA/JPL-Caltech Scientists directly observed ...", "Image: C. X. Huang et al., 2018 Say
# hello to Pi Mensae c ...", "(Photo: PTI) New Delhi/Mumbai: ...". The credit ends at its last
# address-like word (with a slash), year or agency in its first words, or at its bracket.
_OPENING_CREDIT = re.compile(
    r"^\(?(?:Illustration|Image|Photo|Picture|Photograph|Credit)s?\s*:\s*")
_CREDIT_END = re.compile(rf"\S*/\S*|(?:19|20)\d\d\b|\b(?:{_PHOTO_AGENCIES})\b")
_CREDIT_MAX = 15  # words
_OPENING_CREDIT_WORDS = ("Illustration", "Image", "Photo", "Picture", "Credit")
_OPENING_CREDIT_STARTS = _OPENING_CREDIT_WORDS + tuple("(" + word for word in _OPENING_CREDIT_WORDS)


def _opening_credit(line: str) -> list[str]:
    """``line`` with the picture credit it opens with (:data:`_OPENING_CREDIT`) on a line of
    its own, when the line is a story (more than a caption's 100 words) and the credit's end
    can be told."""
    opening = _OPENING_CREDIT.match(line) if line.startswith(_OPENING_CREDIT_STARTS) else None
    if opening is None or len(line.split()) <= _CAPTION_MAX_WORDS:
        return [line]
    if line.startswith("("):
        close = line.find(")", opening.end())
        end = close + 1 if 0 < close < opening.end() + 60 else -1
    else:
        head = " ".join(line[opening.end():].split(" ")[:_CREDIT_MAX])
        ends = [m.end() for m in _CREDIT_END.finditer(head)]
        end = opening.end() + ends[-1] if ends else -1
    if end <= 0 or not line[end:].strip()[:1].isupper():
        return [line]
    return [line[:end].strip(), line[end:].strip()]


def _credit_run_ins(line: str) -> list[str]:
    """``line`` cut after each photo credit that has text run on after it."""
    parts, start = [], 0
    for match in _CREDIT_RUN_IN.finditer(line):
        parts.append(line[start : match.end()].strip())
        start = match.end()
    return [*parts, line[start:].strip()]


def _repair_encoding(text: str) -> str:
    """``text`` with mojibake undone by ftfy (Speer, 2019) where a cheap test finds its marks
    (0.3% of the evaluation articles; ftfy on every article would cost 0.4 ms each): UTF-8
    read as Windows-1252 by ``fix_encoding``, Windows-1252 punctuation read as Latin-1 by
    ``fix_c1_controls`` (far cheaper, and the commoner case); C1 control characters left after
    that are dropped: they are never text."""
    if not _MOJIBAKE_LEAD.search(text):
        return text
    if _UTF8_AS_1252.search(text):
        from ftfy import fix_encoding

        text = fix_encoding(text)
    if _C1.search(text):
        from ftfy.fixes import fix_c1_controls

        text = _C1.sub("", fix_c1_controls(text))
    return text


def _typeset_ascii(text: str) -> str:
    """``text`` with ASCII copy's typography made typographic: ``quotes'' as “quotes” (only in
    a text that opens a quotation so; elsewhere two apostrophes may be something else) and a
    lone underscore as a dash, which the quotation and dateline readers know."""
    if "``" in text:
        text = text.replace("``", "\u201c").replace("''", "\u201d")
    if " _" in text:
        text = _ASCII_DASH.sub("\u2014", text)
    return text


def nothing_left(text: str) -> str:
    """Why an article that cleaning left without a sentence is not stored or briefed."""
    if is_archive_notice(text):
        return "no text left after cleaning (a web archive's notice, not the article)"
    return "no text left after cleaning"


def is_archive_notice(text: str) -> bool:
    """Whether ``text`` is a web archive's page about its crawls rather than an article
    (see :data:`ARCHIVE_NOTICE`)."""
    opening = " ".join([line for line in text.split("\n", 8)[:8] if line.strip()][:2])
    # Substrings first (in lower, capitalised or upper case), then the regex, which alone
    # tries every position of the two lines.
    if not any(hint in opening for hint in _ARCHIVE_OPENING_HINTS) or \
            not _ARCHIVE_OPENING.search(opening.lower()):
        return False
    # Forms of one word count once ("crawl", "crawls", "crawler"; "seed", "seed list"): a
    # page must name more than crawling.
    kinds = {match.group().lower()[:4] for match in _ARCHIVE_WORDS.finditer(text)}
    if len(kinds) < _ARCHIVE_MIN_WORDS:
        return False
    # A notice above an article is not the whole page: the lines that say nothing of an
    # archive must be few (the most in the evaluation sets: an error page's 59 words).
    other = sum(len(line.split()) for line in text.split("\n")
                if not _ARCHIVE_WORDS.search(line))
    return other <= _ARCHIVE_MAX_OTHER_WORDS


def clean_lines(
    text: str, title: str = "", boilerplate: frozenset[str] = frozenset()
) -> tuple[list[str], list[tuple[str, str]]]:
    """The kept lines of ``text`` and the removed ``(line, reason)`` pairs, in order."""
    title_key = normal_key(title)
    text = _typeset_ascii(_repair_encoding(text))
    if any(char in text for char in _INVISIBLE_CHARS):  # four scans: far cheaper than translate
        text = text.translate(_INVISIBLE)
    if "[" in text:
        text = _FOOTNOTE.sub("", text)
    raw = [_BULLET.sub("", line).strip() for line in text.split("\n")]
    if is_archive_notice(text):
        return [], [(line, ARCHIVE_NOTICE) for line in raw if line]
    if any(word in text for word in _PICTURE_MARK_WORDS):
        raw = [part for line in raw for part in _picture_run_ins(line)]
    if _RUN_IN.search(text):  # not inside a caption cut out above: it has no full stop
        raw = [part for line in raw for part in
               ([line] if line.startswith(_PICTURE_MARK_WORDS) else _run_ins(line))]
    if any(word in text for word in _OPENING_CREDIT_WORDS):
        raw = [part for line in raw for part in _opening_credit(line)]
    if any(word in text for word in _CREDIT_WORDS) and _CREDIT_RUN_IN.search(text):
        raw = [part for line in raw for part in _credit_run_ins(line)]
    if any(dash in text for dash in _AGENCY_DASHES) and _EMBEDDED_DATELINE.search(text):
        raw = [part.strip() for line in raw for part in _EMBEDDED_DATELINE.split(line)]
    if any(word in text for word in _WIDGET_PREFIX_STARTS):
        raw = [part for line in raw for part in _widget_prefixes(line)]
    if any(word in text for word in _LABEL_RUN_IN_WORDS):
        raw = [part for line in raw for part in _label_run_ins(line)]
    lines = _join_wrapped([line for line in raw if line])
    metadata = read_metadata_lines(lines)
    kept: list[str] = []
    removed: list[tuple[str, str]] = []
    seen: set[str] = set()
    for line, meta in zip(lines, metadata):
        # Lines are stripped and non-empty here, so the key serves line_reason too; its words
        # (what normal_key joins) are kept for the rules that count them.
        lower = line.lower()
        words = _WORD.findall(lower)
        key = " ".join(words)
        if meta is not None:
            reason: str | None = f"metadata ({meta.kind})"
        else:
            reason = _line_reason(line, lower, words, key, title_key, not kept)
        if reason is None and key in boilerplate:
            reason = "repeated across unrelated articles"
        if reason is None and key in seen:
            reason = "repeated within the article"
        if reason is None and not kept and (rest := _after_title(line, title)) is not None:
            removed.append((line[: len(line) - len(rest)].strip(), "title run into the text"))
            line = rest
        # The dateline opens the first sentence of the story proper, which may come after a
        # summary box or a standfirst: look in the first few kept paragraphs.
        if reason is None and len(kept) < DATELINE_PARAGRAPHS and \
                (prefix := leading_dateline(line)) is not None:
            removed.append((line[: prefix.length].strip(), "dateline prefix"))
            line = line[prefix.length:].strip()
        if reason is not None:
            removed.append((line, reason))
            continue
        seen.add(key)
        kept.append(line)
    if not kept and removed:
        # A page whose only text is a picture's caption or its own headline holds its story
        # there ("In this April 15, 2015 photo, a large crowd ... Outdoor gear giants Bass Pro
        # and Cabela's will combine in a $4.5 billion deal announced Monday. (AP Photo/Mel
        # Evans)"; a feed item that repeats its title or is one headline-like line, "Montenegro
        # Joins NATO, First New Member in a Decade"). Beside anything else, it is no story.
        news = _THE_NEWS_WHEN_ALONE + ((_KICKER_REASON,) if len(removed) == 1 else ())
        if all(reason in news or reason.startswith("metadata") for _, reason in removed):
            restored = {normal_key(line): line for line, reason in removed if reason in news}
            if restored:
                return (list(restored.values()),
                        [(line, reason) for line, reason in removed if reason not in news])
    return kept, removed


def clean_text(
    text: str, title: str = "", boilerplate: frozenset[str] = frozenset()
) -> tuple[str, list[tuple[str, str]]]:
    """Return the cleaned text (one paragraph per line) and the removed lines with reasons."""
    kept, removed = clean_lines(text, title, boilerplate)
    return "\n".join(kept), removed


def _related(texts: Sequence[str], whole: Sequence[str]) -> Callable[[int, int], bool]:
    """``related(i, j)``: TF-IDF cosine of ``texts`` i and j at least RELATED_SIMILARITY, or
    ``whole`` i and j copies of one text (estimated shingle Jaccard at least COPY_JACCARD)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from newsbrief.dedup import signature

    try:
        matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
    except ValueError:  # every text empty or only stop words: only copies are related
        matrix = None
    signatures: dict[int, object] = {}

    def copies(i: int, j: int) -> bool:
        for k in (i, j):
            if k not in signatures:
                signatures[k] = signature(whole[k])
        return float((signatures[i] == signatures[j]).mean()) >= COPY_JACCARD

    def related(i: int, j: int) -> bool:
        if matrix is not None and float(matrix[i].multiply(matrix[j]).sum()) >= RELATED_SIMILARITY:
            return True
        return copies(i, j)

    return related


def repeated_lines(
    articles: Iterable[Article], min_articles: int = REPEAT_MIN_ARTICLES
) -> frozenset[str]:
    """Normalised lines found in at least ``min_articles`` mutually unrelated articles.

    A line shared by articles about different stories is site furniture (a template, an
    archive notice, a newsletter box). Articles about the same story legitimately share whole
    paragraphs (wire copies) and quotes, so two articles count once when their TF-IDF cosine
    (computed without the candidate lines) reaches :data:`RELATED_SIMILARITY`, or when they
    are copies of one text (:data:`COPY_JACCARD`; without this, three copies of a wire story
    would lose every line they share, which is all of them). Returns keys
    as made by :func:`normal_key`, to pass to :func:`clean_article` as ``boilerplate``.
    """
    articles = list(articles)
    where: dict[str, list[int]] = defaultdict(list)
    for index, article in enumerate(articles):
        for key in {normal_key(line) for line in article.text.split("\n")}:
            if key:
                where[key].append(index)
    candidates = {k: v for k, v in where.items() if len(v) >= min_articles}
    if not candidates:
        return frozenset()
    texts = [
        "\n".join(line for line in a.text.split("\n") if normal_key(line) not in candidates)
        for a in articles
    ]
    related = _related(texts, [a.text for a in articles])
    found = set()
    for key, indices in candidates.items():
        representatives: list[int] = []
        for index in indices:
            if not any(related(index, other) for other in representatives):
                representatives.append(index)
                if len(representatives) >= min_articles:
                    found.add(key)
                    break
    return frozenset(found)


def clean_article(article: Article, boilerplate: frozenset[str] = frozenset()) -> Document:
    """Clean and segment one article into a :class:`Document`.

    ``Document.removed_lines`` keeps every removed line as ``"reason: line"``.
    """
    text, removed = clean_text(article.text, article.title, boilerplate)
    return Document(
        article=article,
        text=text,
        sentences=segment_text(article.id, text),
        removed_lines=tuple(f"{reason}: {line}" for line, reason in removed),
    )


def prepare(
    articles: Sequence[Article], progress: Callable[[int], None] | None = None
) -> list[Document]:
    """Clean and segment a batch of articles (the per-article stage every path shares).

    With at least :data:`REPEAT_MIN_ARTICLES` articles, lines repeated across unrelated
    articles of the batch are removed too (:func:`repeated_lines`).
    """
    boilerplate = (
        repeated_lines(articles) if len(articles) >= REPEAT_MIN_ARTICLES else frozenset()
    )
    documents = []
    for article in articles:
        documents.append(clean_article(article, boilerplate))
        if progress:
            progress(1)
    return documents
