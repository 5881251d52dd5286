"""A passage joins only sentences that belong together in the source.

`bot.replies.passages` joins a sentence that refers back ("This means ...", "Providers can use
this ...", "We have done that.") to the quotation stored just before it, and the reply shows the
two as one passage. That is right only when the two are adjacent in the source: when the pack
skips or reorders sentences, "this" would point at the wrong thing. Whitespace and curly quotes
are normalised, as in tests/test_quotes.py; nothing else.
"""
from __future__ import annotations

import pytest

from bot.knowledge import BackgroundEntry, GlossaryEntry
from bot.replies import LIST_GOES_ON, passages, refers_back
from conftest import normalised

# Entries whose first quotation refers back, with why the sentence it refers to is not quoted.
FIRST_REFERS_BACK: dict[str, str] = {
    "area-send-inspections": "'This question' is the survey statement the NASUWT comments block follows, "
                             "Ofsted's words; the entry quotes the union only",
    "single-word-judgements-removal": "'This includes' refers to the renewed EIF and report card, two sentences "
                                      "that report-cards-eif-timeline and education-inspection-framework quote "
                                      "in order; in a third entry their timetable would be right for too many "
                                      "entries to stay an ask (scripts/asks_from_sets.py)",
    "send": "'It will be important to think about ...' is an anticipatory it: it refers back to nothing",
    "hmci": "'that single overarching improvement and development plan' is the one Dame Christine Gilbert's review "
            "recommended: her words, which the report quotes; the entry quotes Ofsted only",
}




def _bodied(pack):
    return [e for e in pack.entries if isinstance(e, GlossaryEntry | BackgroundEntry)]


def _joined_by_reference(texts: list[str], apart: tuple[int, ...] = ()) -> list[tuple[int, int]]:
    """The (before, after) pairs `passages` joins because `after` refers back, not as list items."""
    pairs = []
    for group in passages(texts, apart):
        lead = texts[group[0]].rstrip()
        for before, after in zip(group, group[1:]):
            prev = texts[before].rstrip()
            in_list = lead.endswith(":") and (prev.endswith(LIST_GOES_ON) or texts[after][:1].islower())
            if not in_list and refers_back(texts[after]):
                pairs.append((before, after))
    return pairs


def _adjacent(first: str, second: str, source: str) -> bool:
    """`second` starts right after `first` ends in the source, with only whitespace between."""
    a, b = normalised(first), normalised(second)
    return f"{a} {b}" in source or f"{a}{b}" in source


def test_a_referring_sentence_follows_what_it_refers_to(pack, sources):
    wrong = []
    for e in _bodied(pack):
        text = sources[e.source]
        for before, after in _joined_by_reference(list(e.body), e.refers_elsewhere):
            if not _adjacent(e.body[before], e.body[after], text):
                wrong.append(f"{e.id}: [{before}] {e.body[before][:60]!r} + [{after}] {e.body[after][:60]!r}")
    assert not wrong, "passages join sentences not adjacent in the source:\n" + "\n".join(wrong)


def test_no_entry_starts_by_referring_back(pack):
    starts = sorted(e.id for e in _bodied(pack) if e.body and refers_back(e.body[0]))
    assert starts == sorted(FIRST_REFERS_BACK), (
        "entries whose first quotation refers back to nothing (add what it refers to, or list "
        f"the entry in FIRST_REFERS_BACK with the reason): {sorted(set(starts) - set(FIRST_REFERS_BACK))}; "
        f"listed but no longer starting so: {sorted(set(FIRST_REFERS_BACK) - set(starts))}")


def test_the_pair_check_can_fail(sources):
    """Guard the guard: two sentences a sentence apart in the source are not adjacent."""
    text = sources["nasuwt-commentary"]
    words = text.split(". ")
    assert _adjacent(words[10] + ".", words[11] + ".", text)
    assert not _adjacent(words[10] + ".", words[12] + ".", text)
    assert _joined_by_reference(["A lead-in:", "This item;", "It goes on.", "Unrelated.", "This refers."]) == [(3, 4)]


# Sentences of the pack that lean on the one before them, and the pack sentence each needs.
KEEPS_THE_ONE_BEFORE = [
    ("mental-health-training", "We have done that.", "We committed to giving that training"),
    ("mental-health-training", "We committed to giving that training", "This was so that we could run"),
    ("inspection-wellbeing-support", "Providers can use this to speak", "We have introduced a provider contact"),
    ("provider-contact-helpline", "Providers can use this to speak", "We have introduced a provider contact"),
    ("complaints-about-ofsted-hub", "We believe this will lead", "Inspectors assessing complaints are now"),
    ("single-central-record", "We made this update", "We have made clearer what inspectors"),
    ("sccif", "Timing relies on legislative timescales; we intend to make these changes", "We are also discussing"),
    ("inspection-basics", "We reinspect some schools sooner than this", "Most school inspections happen"),
    ("ofsted-academy", "We will also use it to share", "It will increase our transparency."),
    ("why-ofsted-launched-big-listen", "The Big Listen will help us identify that work.", "But we know there is"),
    ("deep-dives", "Inspectors also use these activities", "Inspectors use deep dives of curriculum"),
    ("area-send-2022-framework-outcomes", "The second will be for", "The first will be for"),
]


@pytest.mark.parametrize("entry_id, sentence, before", KEEPS_THE_ONE_BEFORE)
def test_a_sentence_pointing_back_keeps_the_one_before(pack, entry_id, sentence, before):
    """Not only "This ..." at the start: "Providers can use this ...", "We have done that.",
    "... these changes", "The second will be ..." alone leave out what they are about."""
    e = pack.get(entry_id)
    body = list(e.body)
    at = next(i for i, t in enumerate(body) if t.startswith(sentence))
    assert body[at - 1].startswith(before)
    assert any(at in g and at - 1 in g for g in passages(body, e.refers_elsewhere)), passages(body, e.refers_elsewhere)


@pytest.mark.parametrize("sentence", [
    "We have done that.",
    "Providers can use this to speak to a senior person in Ofsted during or immediately after an inspection.",
    "Timing relies on legislative timescales; we intend to make these changes in spring 2026.",
    "We are on track to consult on both elements of this work in January 2025.",
    "We committed to giving that training to our entire inspection workforce by the end of March 2024.",
    "Another is that insufficient attention is being paid to building capacity.",
    "The third will highlight “widespread and/or systemic failings leading to significant concerns”.",
    "We will also use it to share the excellent practice we see in the sectors we inspect.",
    "Ofsted introduced changes to the inspection framework to try and prevent such practices.",
    "If you make a similar comment, you might also want to comment on the proposal.",
    "“In response to this feedback, we have revised the outcome criteria.”",
    "The same applies to early years providers.",
    "In doing so, we will listen to the sector.",
    "Those reviews will be published.",
    "We will report on progress as set out above.",
    "We will consult on the reforms as well.",
])
def test_what_refers_back(sentence):
    assert refers_back(sentence)


@pytest.mark.parametrize("sentence", [
    "Where we identify a mistake, we put this right.",               # "this" is the mistake
    "Through our quality assurance processes this year, we changed the overall judgement on 120 occasions.",
    "We have used the term ‘providers’ (of education and care) throughout this report, for ease of reading.",
    "Ofsted has a limited inspection budget and the current inspection arrangements, including the size of the "
    "inspection team and the frequency of inspections, reflect these constraints.",
    "NASUWT believes that it is important for Ofsted to make links between evidence gathered.",
    "Feedback indicated that previous inspection frameworks which focused on data did result in some problems.",
    "Think about the impacts on pupils who experience disadvantage, such as those who have SEND.",   # says who
    "MATs fulfil very similar functions to local authorities.",
    "We are also working with the DfE to develop new annual reviews of safeguarding.",   # "also": not counted
    "However, inspection reports may name subjects.",                                 # a connective: not counted
    "The first recommendation was for Ofsted to track progress more systematically and transparently.",
    "We want it to be easy to ask for a pause to inspection or to raise concerns.",      # "it" points ahead
    "We hold to account those responsible for educating children, keeping them safe and improving their lives.",
    "We start from the position that Ofsted aims always to be a force for good in this country.",
    "Whatever your focus, we have structured the Big Listen so you only need to comment on the things that matter.",
])
def test_what_stands_alone(sentence):
    assert not refers_back(sentence)


def test_refers_elsewhere_only_where_the_sentence_before_is_not_its_referent(pack, sources):
    """An entry's `refers_elsewhere` keeps a referring sentence out of the passage before it;
    listed, it must refer back, and the quotation before it must not be the sentence before it
    in the source (else it belongs with it)."""
    wrong = []
    for e in _bodied(pack):
        for i in e.refers_elsewhere:
            if not refers_back(e.body[i]) or _adjacent(e.body[i - 1], e.body[i], sources[e.source]):
                wrong.append(f"{e.id}: [{i}] {e.body[i][:60]!r}")
    assert not wrong, "refers_elsewhere lists a quotation that could join the one before it:\n" + "\n".join(wrong)


def test_the_short_reply_leads_with_what_done_that_refers_to(pack, config):
    """Asked whether the mental health training was done, the reply's "We have done that." comes
    after the training it means, under one label: alone it was a passage of its own."""
    from bot.replies import entry_reply, reply_lines

    reply = entry_reply(pack.get("mental-health-training"), pack, config.contact,
                        query="was the mental health training done for all inspectors")
    quoted = [ln.quote.text for ln in reply_lines(reply) if ln.quote and ln.part == "lead"]
    done = quoted.index("We have done that.")
    assert quoted[done - 1].startswith("We committed to giving that training")
    assert quoted[0].startswith("We delayed schools and FE and skills inspections")


@pytest.mark.parametrize("entry_id, question, leads_with", [
    # round 31's audit: asked when, the reply led with the plan's first sentence; its dates were
    # only in the title
    ("report-cards-eif-timeline", "so when will report cards come in", "January 2025"),
    ("area-send-2022-framework-changes", "when did the area SEND framework change", "From January"),
])
def test_asked_when_the_passage_with_a_date_leads(pack, config, entry_id, question, leads_with):
    from bot.replies import entry_reply, reply_lines

    reply = entry_reply(pack.get(entry_id), pack, config.contact, query=question)
    lead = " ".join(ln.quote.text for ln in reply_lines(reply) if ln.quote and ln.part == "lead")
    assert leads_with in lead


@pytest.mark.parametrize("question, kind", [
    ("when do report cards start", "date"),
    ("ok so when is it", "date"),
    ("what year did the visits happen", "date"),
    ("how many of the actions are done", "number"),
    ("how much notice do we get", "number"),
    ("what % agreed with the 3 new send outcomes", "number"),   # round 31's audit: "%" is no word
    ("what happens when a school is paused", None),   # "when" inside a sentence asks no time
    ("when answering about the area send outcomes what should i say", None),   # nor before a gerund (review)
    ("what did the union say", None),
])
def test_what_a_question_asks_for(question, kind):
    from bot.telling import _A_DATE, _A_NUMBER, asked_type

    assert asked_type(question) is {"date": _A_DATE, "number": _A_NUMBER, None: None}[kind]


@pytest.mark.parametrize("text, date, number", [
    ("Published 19 December 2024", True, False),   # a dateline holds no count
    ("Total Big Listen actions completed: 42/132", False, True),
    ("we may inspect", False, False),               # the verb, not the month
    ("running until 31 May 2024", True, False),
    ("exclude, suspend, ‘off-roll’ [1]", False, False),   # a footnote mark
    ("20000 responses", False, True),               # no year (the review)
])
def test_what_a_passage_holds(text, date, number):
    from bot.telling import _A_DATE, _A_NUMBER

    assert (bool(_A_DATE.search(text)), bool(_A_NUMBER.search(text))) == (date, number)


def test_a_count_leads_only_in_a_passage_about_what_was_asked(pack, config):
    """The review of round 31: "how many councils had significant weaknesses" led with "73 per cent
    of respondents ..." (a count, about something else) over "two thirds of councils"."""
    from bot.replies import entry_reply, reply_lines

    reply = entry_reply(pack.get("area-send-2022-framework-outcomes"), pack, config.contact,
                        query="how many councils had significant weaknesses in area send")
    lead = " ".join(ln.quote.text for ln in reply_lines(reply) if ln.quote and ln.part == "lead")
    assert "two thirds of councils" in lead and "73 per cent" not in lead


@pytest.mark.parametrize("query", ["area SEND inspections - what are the three outcomes?",
                                   "what are the 3 outcomes for area send"])
def test_asked_what_the_n_things_are_the_passage_counting_them_leads(pack, config, query):
    """Audit 33: "area SEND inspections - what are the three outcomes?" led with "Local area SEND services
    will be able to achieve the top inspection outcome ..." (sharing more words); the three were in the
    full reply only."""
    from bot.replies import entry_reply, reply_lines

    reply = entry_reply(pack.get("area-send-2022-framework-outcomes"), pack, config.contact, query=query)
    lead = [ln.quote.text for ln in reply_lines(reply) if ln.quote and ln.part == "lead"]
    assert lead[0] == "Services will be rated with three new inspection “outcomes”."
    assert [t.split()[1] for t in lead[1:4]] == ["first", "second", "third"]


def test_passage_order_reads_the_question_without_a_pack_too():
    """A reply built without its pack (no synonyms) still orders passages by the question's words."""
    from bot.telling import passage_order

    texts = ["We launched it in March.", "Reports will say what a school does well.", "Nothing else."]
    assert passage_order(texts, "what will reports say", None)[0] == 1
    assert passage_order(texts, "when was it launched", None)[0] == 0   # a date, and a word shared


@pytest.mark.parametrize("entry_id, question, leads_with, not_with", [
    # audit 32: asked what someone said, the reply led with the passage sharing most other words
    ("area-send-2022-framework-changes", "what did spielman say about area send inspections", "Spielman said",
     "annual series of thematic reviews"),
    # a month is no name: "December update" still leads with the count asked about (heldout 12's #113)
    ("action-report-dec-2024", "so in december ofsted finished everything it promised?", "42/132",
     "Published 19 December"),
])
def test_someone_named_leads_with_what_they_said(pack, config, entry_id, question, leads_with, not_with):
    from bot.replies import entry_reply, reply_lines

    reply = entry_reply(pack.get(entry_id), pack, config.contact, query=question)
    lead = [ln.quote.text for ln in reply_lines(reply) if ln.quote and ln.part == "lead"]
    assert leads_with in lead[0] and not any(not_with in t for t in lead)


def test_only_names_count_as_names(pack):
    """Words the pack only ever writes capitalised: a person, not "Mental Health First Aid England"'s
    "health" nor a month."""
    from bot.normalise import stem
    from bot.telling import only_named

    named = only_named(pack)
    assert {stem("spielman"), stem("perry"), stem("gilbert")} <= named
    assert not {stem("health"), stem("mental"), stem("complaints"), stem("december"), stem("may")} & named


@pytest.mark.parametrize("question, who", [
    ("what did spielman say about area send inspections", {"spielman"}),
    ("who is ruth perry", {"ruth", "perry"}),
    # the review of round 32: "Family" (of "Children and Family Court ...") is written capitalised only
    ("when is the single word judgement removed across education? my family keeps asking", set()),
    ("what did ofsted say in december", set()),   # the consultation's runner names no one apart; nor a month
    ("when is the single word judgement removed across education? my family told me it's gone", set()),
])
def test_a_name_counts_only_asked_what_someone_said_or_who_they_are(pack, question, who):
    from bot.normalise import stem
    from bot.telling import asked_who

    assert asked_who(question, pack) == {stem(w) for w in who}


def test_asked_the_unions_view_its_view_leads_a_glossary_entry(pack, config):
    """Audit 32: "did nasuwt say ofsted should inspect academy trusts" was led with "Currently, Ofsted
    inspects local authorities but does not inspect MATs."; the union's view, sharing as many of the
    question's words, was in the full reply only. Not asked the view, the stored order holds."""
    from bot.replies import entry_reply, reply_lines

    def lead(question):
        reply = entry_reply(pack.get("mats"), pack, config.contact, query=question)
        return [ln.quote.text for ln in reply_lines(reply) if ln.quote and ln.part == "lead"][0]
    assert lead("did nasuwt say ofsted should inspect academy trusts").endswith("MATs should be inspected.")
    assert lead("does ofsted inspect academy trusts") == "Currently, Ofsted inspects local authorities but does " \
                                                       "not inspect MATs."


@pytest.mark.parametrize("query", ["we got the call on a wednesday afternoon, is that even allowed anymore",
                                   "monday notification"])
def test_an_exception_to_the_passage_shown_is_shown_with_it(pack, config, query):
    """Audit 34: asked about a Wednesday call, the short reply said only "We have implemented a policy to
    give notice for all routine school inspections on a Monday."; the exception ("unless an inspection has
    previously been deferred or is an urgent inspection") was in the full reply alone."""
    from bot.replies import entry_reply, full_lines, reply_lines

    reply = entry_reply(pack.get("monday-notification"), pack, config.contact, query=query)
    lead = [ln for ln in reply_lines(reply) if ln.quote and ln.part == "lead"]
    assert any("unless an inspection has previously been deferred" in ln.quote.text for ln in lead)
    if lead[0].quote.text.startswith("We have implemented"):   # the exception under the rule's label
        assert len(lead) == 2 and lead[1].label == ""
    shown = [ln.quote.text for ln in full_lines(reply) if ln.quote]
    assert len(shown) == len(set(shown)) == 2


def test_only_an_exception_sharing_the_passages_words_joins_it(pack):
    from bot.replies import _qualifying

    texts = ["Reports will be shorter.", "Routine inspections happen on Monday.",
             "Calls for routine inspections come on Monday, unless urgent."]
    assert _qualifying(texts, [1, 0, 2], pack) == 2
    # two words shared are not enough (the review of round 34: the graded and ungraded inspections entry)
    assert _qualifying(["We have made changes to ungraded school inspections.",
                        "Our notifications for all routine (graded and ungraded) inspections now take place on "
                        "Monday, unless an inspection has previously been deferred."], [0, 1], pack) is None
    assert _qualifying(texts, [0, 1, 2], pack) is None   # nothing about reports
    assert _qualifying(texts, [2, 1, 0], pack) is None   # the exception already shown


@pytest.mark.parametrize("query, leads_with", [
    ("Did Ofsted say most schools are good or outstanding?", "We know that most schools are good or outstanding."),
    ("did ofsted say they don't want inspections to make schools exclude too readily?",
     "For example, we do not want inspections to lead to schools excluding pupils too readily,"),
])
def test_asked_what_ofsted_said_its_sentence_leads(pack, config, query, leads_with):
    """Audit 34 #95 and #141: the union's advice to draw on experience led; Ofsted's own sentence, asked
    about, was in the full reply only. Labelled as Ofsted's framing of its survey, not a statement."""
    from bot.replies import entry_reply, reply_lines

    reply = entry_reply(pack.get("schools-impact"), pack, config.contact, query=query)
    quoted = [ln for ln in reply_lines(reply) if ln.quote and ln.part == "lead"]
    assert quoted[0].quote.text.startswith(leads_with)
    assert quoted[0].label == "Ofsted's survey explains (spring 2024):" and quoted[0].quote.speaker == "ofsted"


@pytest.mark.parametrize("query", ["what does nasuwt say about most schools being good or outstanding",
                                   "did ofsted say anything",   # no words of what
                                   "ofsted say most schools are good or outstanding, so what do i put"])
def test_only_asked_what_ofsted_said_with_its_words_does_its_sentence_lead(pack, config, query):
    from bot.replies import entry_reply, reply_lines

    reply = entry_reply(pack.get("schools-impact"), pack, config.contact, query=query)
    quoted = [ln for ln in reply_lines(reply) if ln.quote and ln.part == "lead"]
    assert not any(ln.label == "Ofsted's survey explains (spring 2024):" for ln in quoted)


def test_who_runs_the_consultation_tells_passages_apart_only_when_nothing_else_does(pack, config):
    """Audit 34 #55: "did ofsted accept all of Gilbert's recommendations?" was led by "... into Ofsted’s
    response ..." (sharing "Ofsted" and "Gilbert") over "... accepted all but one of the recommendations.",
    which shares the words asked about: in Ofsted's own report, "Ofsted" tells nothing apart."""
    from bot.replies import entry_reply, reply_lines

    entry = next(e for e in pack.entries if "Gilbert" in e.title)
    reply = entry_reply(entry, pack, config.contact, query="did ofsted accept all of Gilbert's recommendations?")
    lead = [ln.quote.text for ln in reply_lines(reply) if ln.quote and ln.part == "lead"]
    assert lead[0] == ("We responded to the review when it was published and accepted all but one of the "
                       "recommendations.")
