"""Greetings, thanks and staffroom chat: messages that want a friendly word, not a survey
answer and not a "sorry, I don't know" logged as a gap in the guidance."""
from __future__ import annotations

from bot.normalise import STOPWORDS

# Words that carry no question about the survey: greetings, thanks, sign-offs, times of day
# and of the year, and how people say they're pleased.
CHAT_WORDS = frozenset("""
hi hiya hello hey heya morning afternoon evening night gm all everyone everybody folks team guys people
thanks thank thx ty cheers ta appreciated appreciate grateful legend legends star stars
saved saver lifesaver lifesavers hour hours ages
great brilliant fab fabulous lovely amazing awesome cool nice good excellent perfect super helpful useful
love loved really very v so much many lots again indeed
happy merry friday monday weekend week half term holiday holidays hols christmas xmas easter summer break
nearly almost finally last day days today tonight tomorrow
bye goodbye later soon see take care x xx xxx haha lol lmao
ok okay yes no yep nope sure right fine alright noted got it gotcha brill
how are doing hope well you youve everyone
bot robot help meeting meetings catch
""".split())
# A message about a get-together is chit-chat too, whatever else it says.
SOCIAL_WORDS = frozenset("social socials pub drinks drink party quiz curry meal raffle".split())
# not a get-together: "social care", "social and emotional development", "social skills" ...
NOT_SOCIAL = frozenset("care work worker workers services service media emotional mobility and skills development "
                       "justice".split())
NOT_SOCIAL_BEFORE = frozenset("third school political free inspector inspectors ofsted hmi they".split())
# ("a third party", "free school meals", "an inspector quiz year 2")


def _content(folded: list[str]) -> list[str]:
    return [w for w in folded if w not in STOPWORDS and not w.isdigit()]


THANKS = frozenset("thanks thank thx ty cheers ta appreciated appreciate grateful".split())


def is_thanks(folded: list[str]) -> bool:
    """"thanks all", "cheers!": answered "You're welcome!", not "Hello!"."""
    return not THANKS.isdisjoint(folded)


def is_social(folded: list[str]) -> bool:
    """A short message about a get-together ("is the rep social still on thursday?"); not
    "social care" or "social media"."""
    after, before = dict(zip(folded, folded[1:])), dict(zip(folded[1:], folded))
    return len(_content(folded)) <= 12 and any(
        w in SOCIAL_WORDS and after.get(w) not in NOT_SOCIAL and before.get(w) not in NOT_SOCIAL_BEFORE
        for w in folded)


# Words of a wish ("happy new year", "enjoy the break", "well deserved rest", "see you next
# week", "happy end of term"): chat beside a word of wishing only. Alone they ask something:
# "what's new?", "what's next?", "do we get a rest day?", "by the end of the year?" (round 19's
# reviews: a question rule in their place made "how was your weekend?" a question).
WISHED = frozenset("new year next enjoy rest restful relax relaxing deserved luck wish wishes end".split())
WISHING = frozenset("happy merry enjoy good have lovely well best great nice see safe wish wishes".split())
SEASONS = frozenset("term week year day half holiday holidays".split())


def _wished(folded: list[str]) -> set[str]:
    """The words of a wish that are chat here: with a word of wishing in the message, and
    "end" only as "end of (the) term/week/year"."""
    if WISHING.isdisjoint(folded):
        return set()
    return {w for i, w in enumerate(folded) if w in WISHED and (
        w != "end" or ("of" in folded[i + 1:i + 3] and any(v in SEASONS for v in folded[i + 1:i + 4])))}


# A question word asking for a time or a count: "when is the last day", "which day", "how many
# questions are there" are questions though every other word is chat's ("last day of term!", "many
# thanks"). "when", "which" and "what" ask for a time only beside a word of one: "what great help,
# thanks", "which was really helpful" and "what can you help with?" (the greeting says) stay chat,
# as do "what a star" and "how are you?" / "how was your weekend?" (round 27's review).
ASKING = frozenset("when which what whats".split())
COUNTING = frozenset("many much long often".split())
TIMES = frozenset("last day days date today tonight tomorrow week weekend term".split())


def _asks(folded: list[str]) -> bool:
    following = folded[1:] + [""]
    timed = not TIMES.isdisjoint(folded)
    return any((w in ASKING and timed and after not in ("a", "an")) or (w == "how" and after in COUNTING)
               for w, after in zip(folded, following))


# The survey, its questions or answers asked about ("can I do the survey again", "is it all the
# questions?"): a message that starts as a question does, with no chat word but the plainest. Not
# "good question!", "thanks for the answers", "love this survey!", "help me with the survey" nor
# "did everyone do the survey?" (round 27's review: each was searched, some logged as gaps).
TOPIC = frozenset("survey surveys questionnaire question questions answer answers".split())
PLAIN = frozenset("again all it last day days today tonight tomorrow nearly almost finally".split())
# (not "did": "did the survey today" says so)
ASKED_FIRST = frozenset("can could do does is are should will would may must shall have has".split())


def _asks_about_the_survey(folded: list[str]) -> bool:
    return (folded[0] in ASKED_FIRST and not TOPIC.isdisjoint(folded)
            and all(w in PLAIN for w in folded if w in CHAT_WORDS))


def is_chitchat(folded: list[str]) -> bool:
    """True for "thanks all, really helpful", "morning all, happy friday", "is the rep social
    still on thursday?", "happy end of term everyone": every word is chat (or a wish's, beside a
    word of wishing) or a stopword, or it's about a social; and it asks for no time, choice or
    count ("when is the last day" is a question), nor asks about the survey with only chat's
    plainest words ("can I do the survey again")."""
    if not folded:
        return False
    if is_social(folded):
        return True
    if _asks(folded) or _asks_about_the_survey(folded):
        return False
    wished = _wished(folded)
    content = _content(folded)
    if not any(w in CHAT_WORDS or w in wished for w in folded):
        return False
    return all(w in CHAT_WORDS or w in wished for w in content)


# A question about the bot itself ("are you a real person?", "can I trust your answers?", "who
# made you?", "where does your info come from?", "is this official NASUWT advice?"): the bot says
# what it is and where its answers come from. Not "I couldn't find that", nor (as "trust" read
# as multi-academy trusts did) a survey answer.
ABOUT_BOT = frozenset("""
trust trusted trustworthy rely reliable accurate accuracy right correct official officially approved endorsed
made make built build wrote written program programmed run runs own owns
ai artificial intelligence chatgpt gpt llm robot bot human person real actual people
info information sources source data come comes learn learnt learned know knows trained
use using work works
""".split())
ABOUT_WORDS = ABOUT_BOT | frozenset("""
you your yours yourself bot this thing it answers answer advice guidance nasuwt union proper legit how thinks
""".split())
BOT_WORDS = frozenset("you your yours yourself bot this".split())


def is_about_bot(folded: list[str]) -> bool:
    """True for a short question about the bot itself: it names the bot ("you", "your", "bot") and
    asks what it is, whether to trust it or where its answers come from, and says nothing else
    ("can I trust Ofsted's judgements?" is about Ofsted; "where does the report's info come from?"
    about the report)."""
    if not folded or len(folded) > 16 or BOT_WORDS.isdisjoint(folded):   # ("this": "is this official?")
        return False
    content = [w for w in _content(folded) if w not in CHAT_WORDS]
    pairs = set(zip(folded, folded[1:]))
    asked = any(w in ABOUT_BOT and w not in BOT_WORDS for w in folded) or (   # "are you a bot?", "is this a bot"
        not {"bot", "robot"}.isdisjoint(folded) and not {("are", "you"), ("is", "this")}.isdisjoint(pairs))
    return asked and all(w in ABOUT_WORDS for w in content)
