"""The words of asking what a union thinks or says ("what does NASUWT *think*", "the union's
*view*", "does nasuwt *really* support"): read by bot/replies.py's `asks_union_view`, and left
out as no part of what is asked about by bot/unsaid.py and bot/claims.py.
"""
from __future__ import annotations

# the union is who thinks
VIEW_VERBS = ("think", "thinks", "reckon", "reckons", "feel", "feels", "stand", "stands", "recommend", "recommends",
              "support", "supports", "supporting", "back", "backs", "backing", "oppose", "opposes", "agree",
              "agrees", "prefer", "prefers", "favour", "favor", "commented", "welcome", "welcomes", "welcomed",
              # a member telling the bot what the union thinks (round 19's audit: traps)
              "opposed", "supported", "backed", "agreed", "preferred", "favoured", "recommended",
              # round 31's audit: "i heard nasuwt actually likes single word judgements"; not "like"
              # ("would nasuwt like us to mention ...", "unions like nasuwt": the review)
              "likes", "liked", "dislikes", "disliked", "hates", "loves")
WANTING = ("want", "wants", "wanted")   # "nasuwt wants ...", not "the union wanted us to respond"
SAYING = ("say", "says", "said", "want", "wants")   # only in a question about it: "what does NASUWT say"
VIEW_NOUNS = ("view", "views", "position", "stance", "line", "opinion", "take", "verdict", "concerns", "worries",
              "objections", "criticisms")   # "what are NASUWT's concerns about ..." (audit 34)
BETWEEN = ("is", "are", "does", "do", "did", "has", "have", "really", "actually", "officially", "still", "even",
           "now", "also", "generally", "currently", "not")

# every word of asking, for the modules that read what a question is about
ASKING = frozenset((*VIEW_VERBS, *WANTING, *SAYING, *VIEW_NOUNS, *BETWEEN))
