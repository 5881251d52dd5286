"""Greetings, thanks and staffroom chat: messages that want a friendly word, not a survey
answer and not a "sorry, I don't know" logged as a gap in the guidance."""
from __future__ import annotations

from bot.normalise import STOPWORDS

# Words that carry no question about the survey: greetings, thanks, sign-offs, times of day
# and of the year, and how people say they're pleased.
CHAT_WORDS = frozenset("""
hi hiya hello hey heya morning afternoon evening night gm all everyone everybody folks team guys people
thanks thank thx ty cheers ta appreciated appreciate grateful legend legends star stars
great brilliant fab fabulous lovely amazing awesome cool nice good excellent perfect super helpful useful
love loved really very so much many lots again indeed
happy merry friday monday weekend week half term holiday holidays hols christmas xmas easter summer break
nearly almost finally last day days today tonight tomorrow new year next
enjoy rest restful relax relaxing deserved luck wish wishes
bye goodbye later soon see take care x xx xxx haha lol lmao
ok okay yes no yep nope sure right fine alright noted got it gotcha brill
how are doing hope well you everyone
bot robot help meeting meetings catch
""".split())
# A message about a get-together is chit-chat too, whatever else it says.
SOCIAL_WORDS = frozenset("social socials pub drinks drink party quiz curry meal raffle".split())
# not a get-together: "social care", "social and emotional development", "social skills" ...
NOT_SOCIAL = frozenset("care work worker workers services service media emotional mobility and skills development "
                       "justice".split())
NOT_SOCIAL_BEFORE = frozenset("third school political free".split())   # "a third party", "free school meals"


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


SEASONS = frozenset("term week year day half holiday holidays".split())


def _end_of_season(folded: list[str]) -> list[str]:
    """"end of term", "end of the week": a greeting's "end" dropped; "when does it end" keeps it."""
    return [w for i, w in enumerate(folded)
            if not (w == "end" and any(v in SEASONS for v in folded[i + 1:i + 4]) and "of" in folded[i + 1:i + 3])]


GREETINGS = frozenset("hi hiya hello hey heya morning afternoon evening gm thanks thank thx ty cheers ta happy merry "
                      "bye goodbye".split())
# a question of these words alone is chat too: "how are you?", "ok?", "all good?"
BARE_CHAT = frozenset("how are you u ya doing hope well all everyone bot today ok okay yes no yep nope sure right fine "
                      "alright noted got it gotcha cool great good".split())
QUESTION_WORDS = frozenset("what whats when where which who why how is are do does did can could will would should "
                           "shall".split())


def is_chitchat(folded: list[str], *, question: bool = False) -> bool:
    """True for "thanks all, really helpful", "morning all, happy friday", "is the rep social
    still on thursday?": every word is chat or a stopword, or it's about a social. A question
    (`question`: it has a "?"; or it opens with a question word) is chat only with a greeting
    or of BARE_CHAT alone ("how are you?", "ok?"): in round 19's review, "what's new?", "what's
    next?", "do we get a rest day?" and "by the end of the year?" got the greeting."""
    if not folded:
        return False
    if is_social(folded):
        return True
    if (question or folded[0] in QUESTION_WORDS) and GREETINGS.isdisjoint(folded) and \
            not set(folded) <= BARE_CHAT:
        return False
    folded = _end_of_season(folded)
    content = _content(folded)
    if not any(w in CHAT_WORDS or w in ("hi", "hello", "hey", "thanks", "thank") for w in folded):
        return False
    return sum(w not in CHAT_WORDS for w in content) == 0
