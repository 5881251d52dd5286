"""Text normalisation shared by the index and the query, so both sides match alike.

Members type in Slack: markup (<@U123>, <!channel>, <https://x|label>), :emoji:, curly
quotes, abbreviations and typos. Knowledge text is normalised once at load; a query once
per question.
"""
from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

# Slack wraps mentions, channel pings and links in <...>; labels after | are readable text.
_SLACK_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_EMOJI = re.compile(r":[a-z0-9_+\-']+:")
_APOSTROPHE_S = re.compile(r"(\w)'s\b")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_PLAIN = re.compile(r"[a-z0-9 ]*")

STOPWORDS = frozenset("""
a about above after again against all also am an and any anyone anything are aren arent as at be
because been before being below between both but by can cant could couldn did didn do does doesn
doing don dont down during each even ever every few for from further get gets getting got had has
have having he her here hers him his how i id if im in into is isn it its itself ive just know
let lets like ll me might more most much must my myself need no nor not now of off on once only or
other our ours out over own put re really s say says she should shouldn so some someone
something still such t than that thats the their theirs them then there these they theyre thing
things think this those though through to too under until up us ve want wants was wasn we
were weren what whats when where whereas which while who whom whos why will with won would wouldn
yeah you your youre yours yourself hi hello hey thanks thank please pls plz tbh tho ok okay
lol btw bit actually basically anyone anybody everyone tell told ask asked asking question questions
wont cant didnt isnt wasnt arent doesnt havent answer answers survey statement statements section sections
part q put write said see seem seems go going gonna wanna one ones lot lots loads atm
""".split())


# Bidirectional embedding, override and isolate controls: echoed unclosed in a reply ("You
# asked: ..."), they reversed the rest of the bot's line ("\u202eNASUWT says vote no").
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def safe_text(value) -> str:
    """Text from a Slack payload as a str that can be stored and posted: "" for anything that
    isn't a string, lone surrogates (JSON can carry "\\ud800") and bidirectional controls dropped."""
    if not isinstance(value, str):
        return ""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "ignore").decode("utf-8")
    return _BIDI_CONTROLS.sub("", value)


# What a terminal obeys rather than shows: C0 controls but tab and newline, DEL and C1 controls
# (U+009B starts an escape sequence on its own in some terminals). A member's words printed raw
# by `queue` or `report` could recolour, clear or retitle a rep's terminal, or set its clipboard.
_TERMINAL_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_text(text: str) -> str:
    """Text to print in a terminal that may hold a member's words: each control character shown
    as U+FFFD, "�" (so a rep sees something was there), bidirectional controls dropped (`safe_text`)."""
    return _TERMINAL_CONTROLS.sub("\ufffd", safe_text(text))


# Anything Slack (or a reader) would take for a link: a scheme, www., an email address, or
# a dotted name ending in letters ("evil.example/login"). Not "e.g." or "1.5".
_URL_SHAPED = re.compile(r"(?i)(?:\b[a-z][a-z0-9+.-]*://\S+|\b(?:mailto|javascript|data|tel|slack|file):\S+|"
                         r"\bwww\.\S+|\S+@\S+|"
                         r"\b(?:[a-z0-9-]+\.)+[a-z]{2,}\b(?:[/:?#]\S*)?)")
LINK_PLACEHOLDER = "[link]"
_WORD = re.compile(r"\S+")
LONGEST_READ_WORD = 100


def by_word(text: str, pattern: re.Pattern, replacement, needs: str = ".:@") -> str:
    """`pattern.sub(replacement, text)` for a pattern that never spans a space (an address, an
    email), read a word at a time, and a word longer than any address anyone types is not read
    character by character: these patterns backtrack, and one 40,000-character word ("a.a.a.…",
    Slack's longest message) took them 27 s. Such a word is replaced whole if it holds a
    character of `needs` (what a match needs), else left as it is."""
    def word(m: re.Match) -> str:
        w = m.group(0)
        if len(w) <= LONGEST_READ_WORD:
            return pattern.sub(replacement, w)
        if any(c in w for c in needs):
            return replacement if isinstance(replacement, str) else replacement(m)
        return w
    return _WORD.sub(word, text)


def echo_text(text) -> str:
    """A member's words, for quoting back: Slack markup removed (mentions and pings vanish)
    and nothing link-like left, neither a link's label nor a bare address, so an echo can't
    be turned into a link ("<https://evil.example/login|ofsted.gov.uk>")."""
    text = safe_text(text)
    if "<" in text:
        text = _SLACK_LINK.sub(lambda m: " " if m.group(1).startswith(("@", "!", "#")) else f" {LINK_PLACEHOLDER} ",
                               text)
    text = html.unescape(text) if "&" in text else text
    return by_word(text, _URL_SHAPED, LINK_PLACEHOLDER)


# An address as search reads one: a scheme, www., mailto: or tel:, an email address, or a dotted
# name ending as sites' names do ("ofsted.gov.uk"; not "inspection.The", typed without a space).
_ADDRESS = re.compile(r"(?i)(?:\b[a-z][a-z0-9+.-]*://\S*|\bwww\.\S+|\b(?:mailto|tel):\S+|\S+@\S+\.\S+|"
                      r"\b(?:[a-z0-9-]+\.)+(?:uk|com|org|net|gov|edu|io|info|co)\b(?:[/:?#]\S*)?)")


def without_addresses(text: str) -> str:
    """A member's words as search reads them: a link's label stays when it is words ("<https://…|
    the survey>"), but nothing of an address is read, for an address's letters aren't a question
    ("gov.uk" alone was answered as who can take part). Mentions are left for clean_slack_text."""
    if "<" in text:
        text = _SLACK_LINK.sub(lambda m: m.group(0) if m.group(1).startswith(("@", "!", "#"))
                               else f" {m.group(2) or ''} ", text)
    return by_word(text, _ADDRESS, " ")


_BREAK = "\u200b"   # a zero-width space: after a dot, an "@" or a ":" no reader takes an address for a link


def _inert(m: re.Match) -> str:
    return m.group(0).replace(".", "." + _BREAK).replace("@", "@" + _BREAK).replace(":", ":" + _BREAK)


def inert_text(text) -> str:
    """A member's words as reps read them: every address kept, to read and answer about ("is
    this email from x@ofsted.gov.uk genuine?"), but none a link (a zero-width space after each
    dot, "@" and ":" in it); a Slack link shows its label and, when it differs, where it goes
    ("ofsted.gov.uk (https://evil.example/login)"); mentions and pings vanish."""
    text = safe_text(text)
    if "<" in text:
        def link(m: re.Match) -> str:
            target, label = m.group(1), m.group(2)
            if target.startswith(("@", "!", "#")):
                return " "
            return f" {label} ({target}) " if label and label != target else f" {target} "
        text = _SLACK_LINK.sub(link, text)
    text = html.unescape(text) if "&" in text else text
    return by_word(text, _URL_SHAPED, _inert)


def clean_slack_text(text: str) -> str:
    """Slack markup to plain words: mentions and pings vanish, link labels stay."""
    def link(m: re.Match) -> str:
        target, label = m.group(1), m.group(2)
        if label and not target.startswith(("@", "!")):
            return f" {label} "
        return " "
    if "<" in text:
        text = _SLACK_LINK.sub(link, text)
    return html.unescape(text) if "&" in text else text


# (read a word at a time, `by_word`: a 40,000-digit word took it 12 s)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# "07700 900123", "+44 (0)20 7946 0958", "447700900123"; not "2023 2024 2025" or "priority 1 2 3"
_PHONE = re.compile(r"(?<![\w])(?:(?:\+|0)\d[\d ()-]{8,}\d|44\d{9,11})(?![\w])")
# a name after "my name is" (whatever its case, up to two words that aren't stopwords: "my name is
# on the rota" keeps its words), or a Capitalised one after "I'm called" ("I am called to meetings" isn't)
_MY_NAME = re.compile(r"\b((?i:my name is|my name's|my names))\s+([\w'-]+)(\s+[\w'-]+)?")
_CALLED = re.compile(r"\b((?i:i'm called|i am called|im called))\s+[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)?")


def _my_name(m: re.Match) -> str:
    first, second = m.group(2), m.group(3) or ""
    if first.lower() in STOPWORDS:
        return m.group(0)
    kept = second if second and second.strip().lower() in STOPWORDS else ""
    return f"{m.group(1)} [name]{kept}"


def scrub_contact(text: str) -> str:
    """What the question log keeps of a member's words: email addresses, phone numbers and a
    name given as "my name is ..." or "I'm called ..." taken out (reps read the log in the
    gaps report)."""
    text = by_word(text, _EMAIL, "[email]", needs="@")
    text = _PHONE.sub(lambda m: "[phone]" if sum(c.isdigit() for c in m.group(0)) >= 10 else m.group(0), text)
    return _CALLED.sub(lambda m: f"{m.group(1)} [name]", _MY_NAME.sub(_my_name, text))


def fold(text: str) -> str:
    """Lowercase ASCII-ish form: curly quotes, accents and emoji codes removed.

    Each step runs only when its trigger character is present: knowledge text is
    folded once per field at start-up, 150,000 fields for a 10,000-entry pack.
    """
    text = clean_slack_text(text).lower()
    if not text.isascii():
        text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    if ":" in text:
        text = _EMOJI.sub(" ", text)
    if "&" in text:
        text = text.replace("&", " and ")
    if "'" in text:
        text = _APOSTROPHE_S.sub(r"\1", text).replace("'", "")
    return text


_NUMBERS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split()) if i >= 2}


def words(text: str) -> list[str]:
    """Folded words, punctuation removed, number words as digits ("two-day" = "2 day").
    Stopwords are kept: synonym phrases may need them."""
    text = fold(text)
    # plain words and spaces (most knowledge text after folding) split faster without the regex
    ws = text.split() if _PLAIN.fullmatch(text) else list(filter(None, _NON_WORD.split(text)))
    if not _NUMBERS.keys().isdisjoint(ws):
        ws = [_NUMBERS.get(w, w) for w in ws]
    return ws


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A deliberately crude suffix stripper: plurals and -ing/-ed forms meet their root.

    Applied to both sides, so odd stems ("ofst") never matter; only agreement does.
    """
    if len(word) <= 4 or word.isdigit():
        return word
    for suffix, repl in (("ness", ""), ("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if suffix in ("s", "es") and word.endswith("ss"):
            continue
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: len(word) - len(suffix)] + repl
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word
