"""What members ask (bot/asks.py): checked like the rest of the pack, read by the meaning
signal beside each entry's own text, never shown."""
from __future__ import annotations

import numpy as np
import pytest

from bot.asks import load_asks
from bot.errors import BadReference, WrongType, YamlSyntax
from bot.knowledge import load_pack
from bot.meaning import Meaning, load_encoder
from conftest import PACK_DIR


def write(folder, name, text):
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def test_the_bundled_asks_name_real_entries_and_are_never_quoted(pack):
    assert pack.asks.by_entry, "the bundled pack has asks"
    ids = {e.id for e in pack.entries}
    assert set(pack.asks.by_entry) <= ids
    assert pack.asks.not_covered
    from bot.replies import shown_quotes
    for e in pack.entries:
        shown = " ".join(shown_quotes(e, pack))
        for ask in pack.asks.of(e.id):
            assert ask not in shown


def test_asks_load_from_every_asks_file(pack_copy):
    for p in pack_copy.glob("asks*.yaml"):
        p.unlink()
    write(pack_copy, "asks-a.yaml", 'off-rolling:\n  - "whats it called when they push a kid off the books"\n'
                                    '  - "whats it called when they push a kid off the books"\n')
    write(pack_copy, "asks-b.yaml", 'not-covered:\n  - "when is the next pay rise"\n  - "thanks!"\n')
    pack = load_pack(pack_copy)
    assert pack.asks.of("off-rolling") == ("whats it called when they push a kid off the books",)
    assert pack.asks.not_covered == ("when is the next pay rise", "thanks!")
    assert pack.asks.of("deep-dives") == ()
    assert pack.get("off-rolling") is not None   # an asks file is not read as entries


@pytest.mark.parametrize("text, error, line, words", [
    ('no-such-entry:\n  - "hello"\n', BadReference, 1, "not an entry"),
    ('off-rolling: "one text, not a list"\n', WrongType, 1, "list of non-empty texts"),
    ('off-rolling:\n  - ""\n', WrongType, 1, "list of non-empty texts"),
    ('- just a list\n', WrongType, 1, "mapping"),
    ('off-rolling:\n  - "unclosed\n', YamlSyntax, None, "not valid YAML"),
])
def test_a_broken_asks_file_says_where(pack_copy, text, error, line, words):
    for p in pack_copy.glob("asks*.yaml"):
        p.unlink()
    path = write(pack_copy, "asks-zz.yaml", text)
    with pytest.raises(error) as e:
        load_pack(pack_copy)
    assert e.value.file == str(path) and words in str(e.value)
    if line is not None:
        assert e.value.line == line


def test_asks_files_add_up_and_a_key_twice_in_one_file_is_refused(tmp_path):
    write(tmp_path, "asks-a.yaml", 'x:\n  - "one"\nnot-covered:\n  - "pay"\n')
    write(tmp_path, "asks-b.yaml", 'x:\n  - "two"\n  - "one"\nnot-covered:\n  - "pensions"\n')
    asks = load_asks(tmp_path, {"x"})
    assert asks.of("x") == ("one", "two") and asks.not_covered == ("pay", "pensions")
    write(tmp_path, "asks-b.yaml", 'x:\n  - "two"\nx:\n  - "three"\n')
    with pytest.raises(YamlSyntax) as e:
        load_asks(tmp_path, {"x"})
    assert "asks-b.yaml" in str(e.value) and e.value.line == 3


def test_meaning_reads_asks_as_part_of_their_entry_and_not_covered_apart(tmp_path):
    encoder = load_encoder()
    assert encoder is not None, "the meaning model isn't installed: run `make test`"
    pack = load_pack(PACK_DIR)
    entries = [pack.get("off-rolling"), pack.get("deep-dives")]
    write(tmp_path, "asks.yaml", 'off-rolling:\n  - "they keep telling families of difficult kids to home educate"\n'
                                 'not-covered:\n  - "what is the teachers pay award this year"\n')
    asks = load_asks(tmp_path, {"off-rolling", "deep-dives"})
    plain = Meaning(encoder, entries, tmp_path / "cache")
    asked = Meaning(encoder, entries, tmp_path / "cache", asks)
    assert asked.n_texts == plain.n_texts + 2
    story = "they keep telling families of difficult kids to home educate"
    assert asked.read(story, 2).whole[0] > plain.read(story, 2).whole[0]
    assert asked.read(story, 2).whole[0] > 0.99
    pay = asked.read("what's this year's pay award for teachers?", 2)
    assert pay.not_covered > max(pay.whole)       # nearer what the pack says it doesn't cover
    assert plain.read("anything", 1).not_covered == -1.0
    assert np.allclose(asked.vectors[0], plain.vectors[0])   # the entry's own texts come first, unchanged


def test_the_packs_classifier_learns_from_asks_and_is_cached(tmp_path):
    """bot/intent.py: every entry a class taught by its texts and asks, "none" by what the pack
    doesn't cover; trained once, then read back from the cache beside the vectors."""
    encoder = load_encoder()
    pack = load_pack(PACK_DIR)
    entries = [pack.get(i) for i in ("off-rolling", "deep-dives", "notice-period")]
    write(tmp_path, "asks.yaml", 'off-rolling:\n  - "they keep telling families of difficult kids to home educate"\n'
                                 'not-covered:\n  - "what is the teachers pay award this year"\n'
                                 '  - "how much ppa time am i owed"\n')
    asks = load_asks(tmp_path, {e.id for e in entries})
    cache = tmp_path / "cache"
    trained = Meaning(encoder, entries, cache, asks)
    assert trained.intent is not None and len(list(cache.glob("intent-*.npz"))) == 1
    assert trained.word_intent is not None and len(list(cache.glob("words-*.npz"))) == 1
    again = Meaning(encoder, entries, cache, asks)
    assert np.array_equal(again.intent.w, trained.intent.w)
    assert np.array_equal(again.word_intent.w, trained.word_intent.w)
    for torn in (*cache.glob("intent-*.npz"), *cache.glob("words-*.npz")):   # a torn file: trained again
        torn.write_bytes(torn.read_bytes()[:200])
    retrained = Meaning(encoder, entries, cache, asks)
    assert np.array_equal(retrained.word_intent.w, trained.word_intent.w)
    r = again.read("they keep telling families of difficult kids to home educate", 3)
    assert max(range(3), key=lambda i: r.word_chance(i)) == 0
    # another consultation's name left out: another classifier, in its own file
    other = Meaning(encoder, entries, cache, asks, context=(("families",),))
    assert len(list(cache.glob("words-*.npz"))) == 2 and "family" not in other.word_intent.vocabulary.columns
    assert "family" in again.word_intent.vocabulary.columns
    r = again.read("the head keeps pushing parents of difficult kids to home educate", 3)
    assert max(range(3), key=lambda i: r.intent[i]) == 0 and abs(sum(r.intent) + r.intent_none - 1) < 1e-5
    assert again.read("when is the pay award for teachers announced?", 3).intent_none > 0.5
    no_asks = Meaning(encoder, entries, cache)
    assert no_asks.intent is None and no_asks.word_intent is None   # no asks: no classifiers


def test_a_question_nearer_what_the_pack_does_not_cover_is_declined_as_offtopic(searcher):
    """No off-topic word in it, and close enough to the safeguarding entries to have been a
    low-confidence decline with suggestions: nearer a not-covered message, it is off-topic."""
    q = "my DSL says she must retake her level three safeguarding course every two years, is that right?"
    reading = searcher.meaning.read(q, 3)
    assert reading.not_covered > reading.closest >= 0.3
    result = searcher.find_matches(q)
    assert not result.answered and result.reason == "offtopic" and result.matches == ()
