"""Quotes: quotation marks, speaker patterns, pronouns, and one item per quote across outlets."""

from __future__ import annotations

import pytest
from analyze_helpers import analyse, by_prefix, document, event, paragraphs


@pytest.fixture(scope="module")
def seeds(seeds_dir):
    return event(str(seeds_dir))


def _speakers(*texts: str) -> dict[str, str | None]:
    """Quote text -> speaker, for one article with a paragraph per argument."""
    return {q.text: q.speaker for q in analyse([document(paragraphs(*texts))]).quotes}


def _speaker_of(analysis, words: str):
    hits = [q for q in analysis.quotes if words in q.text or any(words in v for v in q.variants)]
    assert len(hits) == 1, [q.text for q in analysis.quotes]
    return hits[0]


@pytest.mark.parametrize(
    "words, speaker",
    [
        ("China can fix this problem", "Donald Trump"),
        ("time is quickly running out", "Donald Trump"),
        ("he is upping the sanctions", "Donald Trump"),  # the outer speaker's words, not Xi's
        ("actively making diplomatic efforts", "Wang Dong"),  # "Wang said"
        ("The envoy’s visit is to persuade", "Wang Dong"),  # "he said"
        ("Only Kim Jong-un has the last word", "Shen Zhihua"),
        ("The strong trust between the two no longer exists", "Shen Zhihua"),  # continued paragraph
        ("Relations are extremely stressed", "Bonnie Glaser"),
        ("moving forward the bilateral ties", "Lu Kang"),
        ("We look forward to more earnest efforts", "Lu Kang"),  # "Lu said"
        ("This means that because of the maximization", "Park Taewoo"),  # ", said X, a ..."
    ],
)
def test_seed_speakers(seeds, words, speaker):
    _, analysis = seeds
    assert _speaker_of(analysis, words).speaker == speaker


def test_same_quote_across_outlets_is_one_item_earliest_first(seeds):
    documents, analysis = seeds
    ids = [d.id for d in documents]
    quote = _speaker_of(analysis, "China can fix this problem")
    # 001 is dated 2017-11-16; its wire copy 000 has no date, so it comes after.
    assert quote.sources == (by_prefix(ids, "001"), by_prefix(ids, "000"))
    assert quote.first_seen == "2017-11-16"
    assert quote.sentence.startswith("“China can fix this problem")


def test_trimmed_quote_is_flagged(seeds):
    _, analysis = seeds
    quote = _speaker_of(analysis, "enduring peace and stability")
    assert quote.speaker == "Xi Jinping"
    assert len(quote.sources) == 2
    assert any(v.startswith("pathway leading to") for v in quote.variants)


def test_scare_quotes_are_not_quotes(seeds):
    _, analysis = seeds
    texts = {q.text.strip(".") for q in analysis.quotes}
    assert not texts & {"consensus", "dual track", "dual-track", "firm", "big move"}


def test_patterns_and_quote_marks():
    doc = document(
        paragraphs(
            'Mayor Clara Voss said: "The bridge will reopen before the summer holidays."',
            '"Nobody was hurt in the collapse," said Jonas Pike, a city engineer.',
            "‘We are checking every other bridge in the district,’ Pike added.",
            "“The water came in minutes,” said Petra Hale, the director of the hospital.",
            "“The next two days will be hard,” she said.",
        )
    )
    speakers = {q.text.split()[1]: q.speaker for q in analyse([doc]).quotes}
    assert speakers == {
        "bridge": "Clara Voss",  # X said: "..." (straight quotes)
        "was": "Jonas Pike",  # "...," said X, a ...
        "are": "Jonas Pike",  # curly single quotes; surname resolved to the full name
        "water": "Petra Hale",
        "next": "Petra Hale",  # pronoun: the nearest named speaker
    }


def test_pronoun_with_two_people_named_stays_unresolved():
    doc = document(
        paragraphs(
            "“The water came in minutes,” said Luis Moreno, a baker.",
            "Moreno and his neighbour, Daniel Ortiz, dug for two hours. “We used our hands,” he said.",
        )
    )
    analysis = analyse([doc])
    by_text = {q.text: q.speaker for q in analysis.quotes}
    assert by_text["The water came in minutes"] == "Luis Moreno"
    assert by_text["We used our hands"] is None


def test_pronoun_resolves_to_previous_named_speaker():
    by_text = _speakers(
        "“We have enough beds for everyone,” said Petra Hale, the director of the hospital.",
        "“The next two days will be hard,” she said.",
    )
    assert by_text["The next two days will be hard"] == "Petra Hale"


def test_a_quotation_sentence_right_after_a_speakers_quote_is_theirs():
    by_text = _speakers(
        "“We welcome the envoy’s visit,” Jonas Brandt told the radio. “We are confident "
        "the commission will see that we acted in good faith.”",
        "“The river belongs to all of us,” said Mara Ilves. The minister did not reply. "
        "“Nobody wants this to end up in court.”",
        "“We have waited since November,” said Piet Halloran. “It is too late for the "
        "rice,” said Ulla Renk, a trader.",
    )
    assert by_text["We are confident the commission will see that we acted in good faith."] == (
        "Jonas Brandt"
    )
    # A sentence in between, or an attribution of its own, breaks the run.
    assert by_text["Nobody wants this to end up in court."] is None
    assert by_text["It is too late for the rice"] == "Ulla Renk"


def test_written_quote_merged_with_variant_and_full_name():
    from analyze_helpers import ANNOTATIONS

    _, analysis = event(str(ANNOTATIONS / "written.jsonl"))
    quote = _speaker_of(analysis, "We will not stop until every family is accounted for")
    # "Ruiz said" in w1 gets the full name given by w2's "said Ana Ruiz".
    assert quote.speaker == "Ana Ruiz"
    assert quote.sources == ("w1-ledger", "w2-wire")
    assert quote.first_seen == "2024-03-05T08:10:00"
    assert quote.variants == (
        "We will not stop until every family is accounted for and every home is safe",
    )


def test_honorific_is_not_the_speaker():
    doc = document(
        paragraphs(
            '"The levee held better than we feared," said Dr. Ana Brecht, a hydrologist.',
            'Prof. Tomas Weir said: "We will need a new survey of the riverbed."',
        )
    )
    speakers = {q.text.split()[1]: q.speaker for q in analyse([doc]).quotes}
    assert speakers == {"levee": "Ana Brecht", "will": "Tomas Weir"}


def test_quick_ratio_from_counts_equals_difflib(seeds):
    from difflib import SequenceMatcher

    from newsbrief.analyze.quotes import _quick_ratio, _wording

    _, analysis = seeds
    texts = [t for q in analysis.quotes for t in (q.text, *q.variants)] + ["", "—"]
    assert len(texts) > 20
    for x in texts:
        for y in texts:
            wx, wy = _wording(x), _wording(y)
            matcher = SequenceMatcher(None, wx.words, wy.words, autojunk=False)
            assert _quick_ratio(wx, wy) == matcher.quick_ratio(), (x, y)


def test_stray_closing_mark_keeps_later_quotes_in_step():
    # A lyric closed with a straight mark that was never opened ('pieces." The'), as in a WCEP
    # dev article: opening a quotation there swapped every later pair of marks, so the
    # narration between quotations ("he added. The bishop noted ...") became quotes.
    text = (
        "The song ends with the line, May the land of the enemy burn to pieces. \" The choir "
        "director called critics \"complete idiots of the worst kind,\" the paper said. "
        "\"The museum is awaiting an explanation from the choir,\" he added. The bishop noted "
        "that the song \"was taken as satire of propaganda in those years.\""
    ).replace('pieces. "', 'pieces."')
    analysis = analyse([document(text)])
    quotes = sorted(q.text for q in analysis.quotes)
    assert quotes == [
        "The museum is awaiting an explanation from the choir",
        "complete idiots of the worst kind",
        "was taken as satire of propaganda in those years.",
    ], quotes


def test_auxiliaries_and_adverbs_before_the_verb_are_not_part_of_the_speaker():
    """"the union has said", "Ilves then said" gave speakers "the union has" and "Ilves then";
    "He was asked ..." (a Wikinews article about Tony Blair) gave the speaker "He was"."""
    by_text = _speakers(
        "“We will strike on Monday,” the union has said.",
        "“The river belongs to all of us,” said Mara Ilves. Ilves then said “nobody wants "
        "this to end up in court.”",
        "“It would be easier for all of us,” said Jonas Brandt. He was asked what he meant "
        "and answered “we will have to see what happens next.”",
        "“The talks will go on,” he quietly added.",
    )
    assert by_text["We will strike on Monday"] == "the union"
    assert by_text["nobody wants this to end up in court."] == "Mara Ilves"
    assert by_text["we will have to see what happens next."] is None
    assert by_text["The talks will go on"] == "Jonas Brandt"


def test_titles_in_quotation_marks_are_not_quotes():
    """Over 219 Multi-News, WCEP and MultiLing events, 90 "quotes" were titles and names:
    "Gone with the Wind", "The Infamous Mobb Deep", "Good Morning America"."""
    doc = document(paragraphs(
        "Their eighth album, “The Infamous Mobb Deep,” was released in 2014.",
        'She first appeared on "Good Morning America" and later in "Gone with the Wind".',
        "“We will rebuild the bridge before the winter,” the council said.",
    ))
    assert [q.text for q in analyse([doc]).quotes] == ["We will rebuild the bridge before the winter"]


def test_a_pronoun_can_name_the_subject_of_a_sentence_without_quotes():
    """Over 60 Multi-News events 40% of quotes had no speaker; most said "he said" after a
    sentence that named the speaker without quoting them ("Demoski said he struggles with
    alcohol. "It's ruining my life," he said.")."""
    by_text = _speakers(
        "Tomas Rehn said he struggles to sleep since the flood. “It is ruining my life,” he "
        "said.",
        "“We lost the bakery,” said Petra Hale. A hospital spokesman said the wards were "
        "full. “We are doing what we can,” he said.",
        "Host Ana Bellamy asked the senator about the report. “It is a clever move,” he said.",
        "Mayor Clara Voss visited the shelter on Friday. She stayed for an hour. “Nobody will "
        "be left alone,” she said.",
        "Ms Edith Bouvier reached the border on Friday. “It has not been confirmed that she "
        "is safe,” he told reporters.",
        "Mr Paul Conway reached the border on Saturday. “He is a very strong character,” he "
        "told reporters.",
    )
    assert by_text["It is ruining my life"] == "Tomas Rehn"
    # Someone unnamed spoke in between; and the one who asked is not the one who answers.
    assert by_text["We are doing what we can"] is None
    assert by_text["It is a clever move"] is None
    assert by_text["Nobody will be left alone"] == "Clara Voss"
    # "Ms" and "Mr" say which pronoun can stand for a name.
    assert by_text["It has not been confirmed that she is safe"] is None
    assert by_text["He is a very strong character"] == "Paul Conway"


def test_a_quotation_sentence_after_reported_speech_is_the_reporters_subjects():
    by_text = _speakers(
        "Dr. Lena Kingsley said one of the dogs might have a broken leg.",
        "“Another is better, but in shock.”",
        "Would you like to meet the president? I asked. “I would rather not say anything "
        "about that.”",
    )
    assert by_text["Another is better, but in shock."] == "Lena Kingsley"
    assert by_text["I would rather not say anything about that."] is None


def test_appositives_between_speaker_and_verb():
    by_text = _speakers(
        "“My son has passed away,” his mother, Filomena Rask, told the magazine.",
        "“I was stunned he was out there,” Mr. Magnus Tell, 75, said in an interview.",
        "Paul Ostrow, a lawyer representing the Kasners, said, “My clients are happy the "
        "fine was paid.”",
        "Her lawyer, Michael Arvid, said on Wednesday that she wants “to set the record "
        "straight.” But he told the radio: “She is not looking for money.”",
        "Rep. Mike Kellner, R-Texas, the chairman of the committee, said that “the "
        "president is still behind us.”",
    )
    assert by_text["My son has passed away"] == "Filomena Rask"
    assert by_text["I was stunned he was out there"] == "Magnus Tell"
    assert by_text["My clients are happy the fine was paid."] == "Paul Ostrow"
    assert by_text["to set the record straight."] == "Michael Arvid"
    assert by_text["She is not looking for money."] == "Michael Arvid"
    assert by_text["the president is still behind us."] == "Mike Kellner"


def test_more_speech_verbs_and_words_that_only_look_like_them():
    by_text = _speakers(
        "“Have your people call our people,” the tweet read.",
        "“Yeah, and he won the popular vote, too,” Arne Falk quipped.",
        "Screenshots of their alleged exchanges were posted online, and Weiland said that "
        "“some things that have been posted are true and some are not.”",
        "Paloma Reyes read off the name of the winner. “I was not trying to be funny.”",
    )
    assert by_text["Have your people call our people"] == "the tweet"
    assert by_text["Yeah, and he won the popular vote, too"] == "Arne Falk"
    assert by_text["some things that have been posted are true and some are not."] == "Weiland"
    assert by_text["I was not trying to be funny."] is None


def test_a_colon_introduces_the_words_of_the_person_before_it():
    by_text = _speakers(
        "Governor Rick Perrin was not convinced: “The plan is guided by a mistaken belief.”",
        "TECH NEWS: PHONE LAUNCH - TechCrunch’s Dan Lyall: “Can the company still find ways "
        "to surprise everyone?”",
        "In a call with his fiancee, Rhonda Rourke, he also complained, but added: “It "
        "would be better than the other room.”",
        "Mayor Clara Voss was asked: “Will the bridge reopen this year?”",
        "“The collision damaged two berthing spaces,” according to a statement from the "
        "fleet.",
    )
    assert by_text["The plan is guided by a mistaken belief."] == "Rick Perrin"
    assert by_text["Can the company still find ways to surprise everyone?"] == "Dan Lyall"
    assert by_text["It would be better than the other room."] is None
    assert by_text["Will the bridge reopen this year?"] is None
    assert by_text["The collision damaged two berthing spaces"] == "a statement from the fleet"


def test_initials_party_labels_and_long_appositives_stay_with_the_speaker():
    by_text = _speakers(
        "“For the first time, we can explain why the pain lasts,” senior study author A. "
        "Vania Ostrander, a professor of physiology at Northwestern University in Chicago, "
        "said in a news release.",
        "“Congress needs to see the memo,” Sen. Jeff Morrow (R-Ariz.) said.",
        "“We will stand up to those who would violate the law,” said U.S. Sen. Cory "
        "Gardlin, chairman of the campaign committee.",
        "“It’s great to finally have a brachiosaurus foot,” Elsa Freedman Fowle, a "
        "paleontologist at Dickinson State University who wasn’t involved with this work, "
        "told the magazine.",
        '"He would just eat his food and leave," said a man who identified himself as '
        'Angelo L. "He never said a word."',
    )
    assert by_text["For the first time, we can explain why the pain lasts"] == (
        "A. Vania Ostrander"
    )
    assert by_text["Congress needs to see the memo"] == "Jeff Morrow"
    assert by_text["We will stand up to those who would violate the law"] == "Cory Gardlin"
    assert by_text["It’s great to finally have a brachiosaurus foot"] == "Elsa Freedman Fowle"
    assert by_text["He would just eat his food and leave"] == (
        "a man who identified himself as Angelo L"
    )


def test_attributions_that_end_the_sentence_or_follow_an_object():
    by_text = _speakers(
        '"If women lose just 10 percent of their weight, it\'s linked to reduced estrogen" '
        "and other factors associated with cancer, Tiernan said.",
        "Emily Pierce, a Justice Department spokeswoman, would only say Wednesday that "
        "“there is already an active, ongoing investigation into the agency.”",
        "“It remains a high priority of the department,” she added.",
        "Magnus Erdal told me, “Bob believes that human beings have no value but money.”",
    )
    assert by_text[
        "If women lose just 10 percent of their weight, it's linked to reduced estrogen"
    ] == "Tiernan"
    assert by_text[
        "there is already an active, ongoing investigation into the agency."
    ] == "Emily Pierce"
    assert by_text["It remains a high priority of the department"] == "Emily Pierce"
    assert by_text["Bob believes that human beings have no value but money."] == "Magnus Erdal"


def test_a_sentence_after_a_full_stop_is_not_an_attribution():
    by_text = _speakers(
        "He also said that Mercer wants the government to be “shrunk down to the size of a "
        "pinhead.” Several former colleagues of Mercer’s said that his views are akin to "
        "Objectivism.",
        '"I thought of you," Francis told Benedict. "You gave us so many signs of humility '
        'and gentleness." Benedict replied: "Thank you, thank you."',
    )
    assert by_text["shrunk down to the size of a pinhead."] != "Mercer"
    assert by_text["You gave us so many signs of humility and gentleness."] == "Francis"


def test_who_a_sentence_without_quotations_is_about():
    by_text = _speakers(
        "One day in 2007, Alison Jing Xu, who studies decision-making at the University of "
        "Minnesota, Minneapolis, sat down at a mall restaurant. \"I wondered why it had "
        'seemed like a good idea to buy 10 pairs of tights," she says.',
        "David Kendell, a Canadian anthem expert who runs the nationalanthems.info website, "
        "said he expected the bill to pass. “There’s a small number of people here who "
        "really want it changed,” he said.",
        "Bernard Sanderling, well aware of her critics, considered it bold that Francis "
        'would praise her. "He is willing to stand with an extraordinarily courageous '
        'woman," he said.',
        "He makes his way to the thank-you camera, then says hello to Todd. \"Despite my "
        'nerves, this has been a really great night."',
    )
    assert by_text[
        "I wondered why it had seemed like a good idea to buy 10 pairs of tights"
    ] == "Alison Jing Xu"
    assert by_text[
        "There’s a small number of people here who really want it changed"
    ] == "David Kendell"
    assert by_text["He is willing to stand with an extraordinarily courageous woman"] != "Francis"
    assert by_text["Despite my nerves, this has been a really great night."] is None


def test_signatures_after_a_dash_and_verbs_that_report_speech_only_after_a_quotation():
    by_text = _speakers(
        "“A must-read for every woman looking to effect change. Her secrets to speaking up "
        "are powerful lessons for women looking to make a difference.”—Billie Jean Kong",
        "“It was a little shaky,” he recounted.",
        '"How is this art? We will not see anything while he is under the ground," posted '
        "Shelley Lovett.",
        "“Maybe this is not happening in homes, but it is happening in the pipes,” Lytton "
        "suggested to fellow staffers.",
        'Report from backstage: a stage hand in the wings said "Oh my God. He got the wrong '
        'envelope." — Amy Kaufberg (@AmyK) February 27, 2017',
        'While Havoc kept up the feud with the track "Separated From the Fake, Part Two," '
        "Prodigy maintained that the duo would reconcile.",
        "They found the trackers were off by “20 or 30 beats per minute,” a margin of error "
        "they concluded was too large.",
    )
    assert by_text[
        "A must-read for every woman looking to effect change. Her secrets to speaking up are "
        "powerful lessons for women looking to make a difference."
    ] == "Billie Jean Kong"
    assert by_text["How is this art? We will not see anything while he is under the ground"] == (
        "Shelley Lovett"
    )
    assert by_text[
        "Maybe this is not happening in homes, but it is happening in the pipes"
    ] == "Lytton"
    assert by_text["Oh my God. He got the wrong envelope."] != "Amy Kaufberg"
    assert by_text["Separated From the Fake, Part Two"] is None
    assert by_text["20 or 30 beats per minute"] is None


def test_possessives_and_appositives_after_the_verb():
    by_text = _speakers(
        "“It is not only our family that has made sacrifices,” says Rahmatullah’s "
        "brother-in-law, Abdul Hamid Wardak, a quiet 26-year-old.",
        "“These things are coming to us from halfway across the universe,” said McGill "
        "University’s Shriharsh Tendulkar, a lead author of the paper.",
        "Paul Conroy's wife said on Sunday that the photographer had been told the convoy "
        'was "not to be trusted at any point".',
        '"Colbert and his supporters are likely destined for disappointment," says '
        "Madeleine Morgenstern at Glenn Beck's site The Blaze.",
        "“Over the last 24 hours the roads have dried out again,” said air quality "
        "meteorologist, Ralph Adamsen.",
        'Pence said that despite what he described as "reckless accusations by many '
        'Democrats and members of the media" the special counsel confirmed there was no '
        "collusion.",
    )
    assert by_text["It is not only our family that has made sacrifices"] != "Rahmatullah"
    assert by_text["These things are coming to us from halfway across the universe"] == (
        "Shriharsh Tendulkar"
    )
    assert by_text["not to be trusted at any point"] != "Paul Conroy"
    assert by_text[
        "Colbert and his supporters are likely destined for disappointment"
    ] == "Madeleine Morgenstern"
    assert by_text["Over the last 24 hours the roads have dried out again"] == "Ralph Adamsen"
    assert by_text[
        "reckless accusations by many Democrats and members of the media"
    ] != "the special counsel"


def test_two_apostrophes_close_a_quotation_and_who_stands_for_the_name_before_it():
    by_text = _speakers(
        "\"I think we're socially enabled, actually,'' Heath said of being the youngest. \"It "
        'gives us a good thing to talk about."',
        "“When we speak of welcoming immigrants, I mean legal immigrants,” said Cruzado, who "
        "noted that he is the “son of an immigrant who came from Cuba legally.”",
    )
    assert by_text["I think we're socially enabled, actually"] == "Heath"
    assert by_text["It gives us a good thing to talk about."] == "Heath"
    assert by_text["son of an immigrant who came from Cuba legally."] == "Cruzado"


def test_calling_something_words_quotes_them_but_a_thing_called_so_does_not():
    by_text = _speakers(
        "RNC Chairman Reince Priebald called the rancher's comments “completely beyond the "
        "pale and wrong.”",
        "Google's team in the Netherlands came up with an imaginary system called Google "
        'Wind that links windmills using "machine learning that enables all the mills to '
        'collaborate."',
    )
    assert by_text["completely beyond the pale and wrong."] == "Reince Priebald"
    assert by_text["machine learning that enables all the mills to collaborate."] is None


def test_the_articles_own_pronouns_tell_who_he_and_she_can_be():
    by_text = _speakers(
        "Kermit Gosnall ran a clinic in West Philadelphia. He kept his records at home.",
        "During her opening arguments, lead prosecutor Joanne Pescatora told jurors that for "
        'Kermit Gosnall, his practice was all about money. "He had high volume and maximum '
        'profit," she said.',
        "Mauril Belangier introduced the bill in 2016. He said he had worked on it for years.",
        '"This is our national anthem, something we have had for decades," she said.',
    )
    assert by_text["He had high volume and maximum profit"] == "Joanne Pescatora"
    assert by_text["This is our national anthem, something we have had for decades"] is None


def test_a_role_without_its_closing_comma_still_belongs_to_the_name_before_it():
    by_text = _speakers(
        '"It was a very tragic death. Not that most of them are not, this was just '
        'particularly tragic," Kelly Keyser, supervising deputy coroner said.',
        "In New York, Rabbi David Rosenn, the international director at the American Jewish "
        "Committee called the decision “enormously important to Catholic-Jewish relations.”",
        "During a 2009 interview with Vanity Fair’s John Heilperin, the designer admitted that "
        "the “ladies who lunch” were never his target clients at all.",
    )
    assert by_text[
        "It was a very tragic death. Not that most of them are not, this was just "
        "particularly tragic"
    ] == "Kelly Keyser"
    assert "David Rosenn" in by_text["enormously important to Catholic-Jewish relations."]
    assert by_text["ladies who lunch"] != "John Heilperin"


def test_a_place_before_the_head_noun_describes_the_speaker():
    by_text = _speakers(
        "The U.S. researchers said their new study is “most definitive to date in "
        "establishing the long-term effects of bullying.”",
        "If I weren't paid to watch the remake of “Evil Dead’’ all the way to the end, I "
        "would have left after an hour.",
    )
    assert by_text[
        "most definitive to date in establishing the long-term effects of bullying."
    ] == "the U.S. researchers"
    # Two closing single quotes end the title: the narration after it is no quotation.
    assert not any("all the way to the end" in text for text in by_text), by_text


def test_a_place_after_a_role_qualifies_it_and_the_person_before_the_role_speaks():
    by_text = _speakers(
        '"Two hours after the earthquake has occurred, the wave is spreading out from the Bay '
        'of Bengal," Thorne Lay, professor of earth sciences and director of the Institute of '
        "Geophysics and Planetary Physics at the University of California, Santa Cruz said.",
    )
    assert by_text[
        "Two hours after the earthquake has occurred, the wave is spreading out from the Bay "
        "of Bengal"
    ] == "Thorne Lay"


def test_a_place_after_a_preposition_is_not_the_speaker():
    by_text = _speakers(
        'Each column represented "a unique person and a unique grief" according to the '
        "Minister for London.",
        "Mr. Pettitt, 63, was in Vietnam by age 19.",
        "This year, a woman in Virginia called to say she thought her husband might be his son.",
        "“I was hoping this was it,” he said.",
    )
    assert by_text["a unique person and a unique grief"] == "the Minister for London"
    # The woman described (not named) is no one "he" can stand for.
    assert by_text["I was hoping this was it"] == "Pettitt"


def test_a_title_names_the_one_person_the_article_gives_it():
    by_text = _speakers(
        "Iranian President Mahmoud Ahmadinejad announced on Wednesday that the sailors would go.",
        'The President said that "after this meeting they are free to go to their families."',
        'Margaret Beckett, the U.K.\'s Foreign Secretary said, "we sought a full explanation of '
        'what happened."',
    )
    assert by_text["after this meeting they are free to go to their families."] == (
        "Mahmoud Ahmadinejad"
    )
    assert by_text["we sought a full explanation of what happened."] == "Margaret Beckett"


def test_an_owner_in_the_antecedents_sentence_is_no_rival_and_a_title_may_name_across_articles():
    by_text = _speakers(
        "Police said Areej Ali, 4, fell down the elevator shaft on Tuesday morning.",
        "Harold Noel, 37, lives next door to little Areej's family.",
        "“It was a little shaky,” he recounted.",
    )
    assert by_text["It was a little shaky"] == "Harold Noel"
    first = document(paragraphs("Nevada rancher Cliven Bundy said he would not pay the fees."))
    second = document(
        paragraphs("“I’m wondering if they’re better off under a government subsidy,” the Nevada "
                   "rancher said in a radio interview."),
        id="a2",
    )
    quotes = {q.text: q.speaker for q in analyse([first, second]).quotes}
    assert quotes["I’m wondering if they’re better off under a government subsidy"] == (
        "Cliven Bundy"
    )


def test_names_in_the_attribution_and_a_home_town_are_no_rivals_for_a_later_pronoun():
    by_text = _speakers(
        '"There are five people with expertise in mediation," Annan spokesman Ahmad Fawzi told '
        "AFP.",
        '"They will be staying for as long as they are making progress," he added.',
        "Allen Williams of Upper Darby was handing over his identification card when police "
        "officers rushed into the lobby.",
        '"They came in with guns drawn," he said.',
        "But Sen. John Cornyn (R-Texas) dismissed such concerns.",
        "A tax increase would “never pass the House,” he said.",
    )
    assert by_text["They will be staying for as long as they are making progress"] == (
        "Ahmad Fawzi"
    )
    assert by_text["They came in with guns drawn"] == "Allen Williams"
    assert by_text["never pass the House"] == "John Cornyn"


def test_a_named_subject_the_model_missed_stands_between_a_pronoun_and_the_last_speaker():
    by_text = _speakers(
        "Aliy Zirkle, a veteran musher, was attacked on the trail near Nulato.",
        "“We were told to stay put,” race marshal Danny Seavey said.",
        # The model tags no "Zirkle": she is someone else than Seavey all the same.
        "Zirkle pulled up to the checkpoint at about 2:17 a.m.",
        "“Someone tried to kill me with a snowmachine,” she said.",
    )
    assert by_text["We were told to stay put"] == "Danny Seavey"
    assert by_text["Someone tried to kill me with a snowmachine"] is None


def test_an_untagged_surname_that_spoke_last_is_the_pronouns_antecedent():
    by_text = _speakers(
        "Aeneas Tacticus (360 B.C.), one of the earliest Greek writers on war, suggested "
        "combining pitch and sulfur.",
        '"These are the earliest recorded uses of a poison gas," Mayor said.',
        "“The fumes are lethal if inhaled in large quantities,” she added.",
    )
    assert by_text["The fumes are lethal if inhaled in large quantities"] == "Mayor"


def test_a_home_town_the_model_takes_for_a_person_is_not_the_speaker():
    by_text = _speakers(
        "“You could feel the pulsing energy,” said Melodye Shore of Laguna Niguel, who was "
        "observing the protest with a friend.",
    )
    assert by_text["You could feel the pulsing energy"] == "Melodye Shore"


def test_a_name_set_off_by_commas_is_the_subject_but_not_inside_a_quotation():
    by_text = _speakers(
        "The rebel group's leader, Col. Riad al-Asaad, refused to comment on the fighting when "
        "contacted by telephone.",
        '"This is a sensitive military matter that we cannot comment about," he said.',
        "Prodigy's mother, Fatima Johnson, was a member of a girl group.",
        # The model tags no "Prodigy": he stands between "he" and his mother all the same.
        'Prodigy eulogized her online: "I salute this beautiful soul. Fatima Johnson, may you '
        'rest in peace," he wrote.',
    )
    assert by_text["This is a sensitive military matter that we cannot comment about"] == (
        "Riad al-Asaad"
    )
    assert by_text["I salute this beautiful soul. Fatima Johnson, may you rest in peace"] is None


def test_what_someone_describes_something_as_is_theirs_and_a_name_may_only_modify_the_speaker():
    by_text = _speakers(
        "Andrew Lo, a finance professor at M.I.T., has described the fund as “the commercial "
        "version of the Manhattan Project.”",
        "The senior Obama administration official described the targets as “senior government "
        "officials, cronies and a crony bank.”",
        "The newly described foot bones are “considerably larger than those of Dreadnoughtus, "
        "which was one of the largest sauropods ever found.”",
    )
    assert by_text["the commercial version of the Manhattan Project."] == "Andrew Lo"
    assert by_text["senior government officials, cronies and a crony bank."] == (
        "the senior Obama administration official"
    )
    assert by_text[
        "considerably larger than those of Dreadnoughtus, which was one of the largest sauropods "
        "ever found."
    ] is None


def test_a_name_before_a_capitalised_head_noun_only_modifies_the_speaker():
    by_text = _speakers(
        "“I don’t think we can just shrug our shoulders and walk away from this one,” said a top "
        "House Republican, who asked not to be named.",
        "The Enforcement Directorate (ED) Monday said the businessman was “projected as "
        "untainted” in the filings.",
    )
    assert by_text["I don’t think we can just shrug our shoulders and walk away from this one"] == (
        "a top House Republican"
    )
    assert by_text["projected as untainted"] == "Enforcement Directorate"


def test_the_rest_of_a_quotation_split_by_its_attribution_is_the_same_speakers():
    by_text = _speakers(
        '"It was a particularly prolific time," says singer Robert Plant, "where we were '
        "learning about each other's capabilities.\"",
        "“The question is,” writes Kate Harding at Salon Broadsheet, “will the powers that be "
        "recognize young women as a market?”",
    )
    assert by_text["where we were learning about each other's capabilities."] == "Robert Plant"
    assert by_text["will the powers that be recognize young women as a market?"] == "Kate Harding"


def test_the_friend_or_lawyer_of_a_named_person_is_the_speaker_not_that_person():
    by_text = _speakers(
        "Kendra Wilkinson-Baskett recorded the tape a few years ago, and now she wants a cut.",
        "“Kendra is no dumb blonde when it comes to business,” a friend of Kendra tells me.",
        "“Rep. Conyers is happy his son is safe,” a spokesperson for Conyers said on Monday.",
    )
    assert by_text["Kendra is no dumb blonde when it comes to business"] == "a friend of Kendra"
    assert by_text["Rep. Conyers is happy his son is safe"] == "a spokesperson for Conyers"


def test_any_verb_that_closes_the_clause_after_a_quotation_reports_it():
    by_text = _speakers(
        "Investigator Dana Whitcombe of the county office spoke to reporters on Monday.",
        '"We compared every print by hand, one finger at a time," Whitcombe detailed.',
        "“This budget trades our schools for a tax cut, and I will not vote for it,” fumed "
        "Rep. Marcus Ellory (D-Ore.), who chairs the education caucus.",
        '"I never thought the river would come this far up the hill," Harriet Vance sighed '
        "on the porch of her house.",
        '"Will anyone pay for the repairs?" Tomas Reyna fired back.',
        '"The water reached the second step", Lorna Pike shrugged.',
        "The committee asked whether the funds were spent. “Is nothing private any more?” "
        "Brightwater features on several front pages.",
        '"Will the mayor sign it?" Anton Kessel appeared to ask the clerk.',
        '"The rules changed in June," Nadia Okafor maintained that the board had been told.',
    )
    assert by_text["We compared every print by hand, one finger at a time"] == "Dana Whitcombe"
    assert by_text[
        "This budget trades our schools for a tax cut, and I will not vote for it"
    ] == "Marcus Ellory"
    assert by_text["I never thought the river would come this far up the hill"] == "Harriet Vance"
    assert by_text["Will anyone pay for the repairs?"] == "Tomas Reyna"
    assert by_text["The water reached the second step"] == "Lorna Pike"
    # After a question, what follows may be a sentence of its own; a verb with an object or
    # an infinitive reports nothing.
    assert by_text["Is nothing private any more?"] is None
    assert by_text["Will the mayor sign it?"] is None
    assert by_text["The rules changed in June"] is None


def test_a_pronoun_with_nobody_before_it_but_one_person_named_just_before():
    by_text = _speakers(
        "Interior Minister Karel Dvorak vowed to defend the country's \"borders.\"",
        '"We will not allow chaos at the crossings. We will defend every village," he told '
        "reporters.",
    )
    assert by_text["We will not allow chaos at the crossings. We will defend every village"] == (
        "Karel Dvorak"
    )
    # Named further back, the person may not be the one speaking (the page may have lost the
    # speaker's introduction); a "him" or "her" in the attribution may be the named one.
    assert _speakers(
        "The inquiry will allow Judge Rosa Palmer to subpoena the records of the agency.",
        "It could lead to charges within the year.",
        '"You do not open such a case without evidence in hand," she said.',
    )["You do not open such a case without evidence in hand"] is None
    assert _speakers(
        "The letter was delivered to Councillor Ida Brandt on Monday.",
        '"You will lose the next election, I promise you," he told her.',
    )["You will lose the next election, I promise you"] is None
    assert _speakers(
        "Mayor Olga Teller met Governor Piet Ahrens on the bridge.",
        '"The repairs will start in spring and end before the floods," she said.',
    )["The repairs will start in spring and end before the floods"] is None
