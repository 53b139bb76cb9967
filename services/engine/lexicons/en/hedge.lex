# English hedges: markers that lower commitment (STANCE_GUIDE "hedge").
@version 1.1.0
@language en

# epistemic modals (homograph filters: month/name May, noun might, past could)
hedge  en.h.may            0.8  may {proper, not-before=#num, not-after=month_prep}
hedge  en.h.might          0.8  might {proper, not-after=might_noun}
hedge  en.h.could          0.7  could {not-in-sentence=past_time, neg=drop}
hedge  en.h.may_well       1.0  (may|might|could) well

# modal adverbs and adjectives
hedge  en.h.probably       1.0  (probably|probable)
hedge  en.h.possibly       1.0  (possibly|possible|possibility)
hedge  en.h.perhaps        1.0  (perhaps|maybe)
hedge  en.h.likely         0.9  (likely|likelihood)
hedge  en.h.unlikely       1.0  (unlikely|improbable)
hedge  en.h.presumably     1.0  (presumably|presumed|conceivably|conceivable|plausibly|arguably)
hedge  en.h.apparently     1.0  (apparently|seemingly|ostensibly)
hedge  en.h.unclear        1.0  (unclear|uncertain|uncertainty|doubtful|questionable|unknown whether)
hedge  en.h.not_clear      1.0  not [0-1] (clear|certain|sure|known)
hedge  en.h.far_from_clear 1.0  far from (clear|certain)
hedge  en.h.remains_seen   1.0  remains to be seen
hedge  en.h.potentially    0.6  potentially

# evidentials
hedge  en.h.reportedly     1.0  (reportedly|allegedly|supposedly|purportedly|rumoured|rumored|rumour*|rumor*)
hedge  en.h.alleged        0.8  (alleged|purported|unconfirmed|unverified)

# seem / appear / suggest
hedge  en.h.seem           1.0  seem~
hedge  en.h.appear         1.0  appear~ (to|that|likely|unlikely|set)
hedge  en.h.it_appears     1.0  (it|there) appear~
hedge  en.h.suggest        0.9  suggest~ (that|a|an|the)
hedge  en.h.evidence_sug   0.9  (data|evidence|figures|signs|indications|findings|polls|reports) suggest~
hedge  en.h.looks_like     0.8  (look~|sound~) (like|likely|set to)

# first-person and impersonal belief
hedge  en.h.i_think        1.0  (i|we) (think|believe|suspect|guess|suppose|assume|presume|feel|doubt|expect|reckon)
hedge  en.h.in_my_view     0.7  (in my view|in my opinion|in our view|as far as i know|to my knowledge|i'm not sure)
hedge  en.h.it_is_believed 1.0  (it is|it's|it was) (believed|thought|assumed|presumed|understood|expected|reported|said|rumoured|rumored|suspected|estimated)
hedge  en.h.it_is_widely_believed 1.0 (it is|it's|it was) (widely|generally|now|also|still) (believed|thought|assumed|presumed|understood|expected|reported|said|rumoured|rumored|suspected|estimated)
hedge  en.h.is_expected_to 0.9  (is|are|was|were|be|been) (believed|thought|expected|said|reported|presumed|understood|alleged|rumoured|rumored|suspected|likely) to
hedge  en.h.is_widely_expected_to 0.9 (is|are|was|were|be|been) (widely|generally|now|also|still) (believed|thought|expected|said|reported|presumed|understood|alleged|rumoured|rumored|suspected|likely) to

# litotes that keep a possibility open
hedge  en.h.not_impossible 1.2  not [0-1] (impossible|inconceivable|unthinkable|out of the question|unlikely|excluded)
hedge  en.h.cannot_rule_out 1.2 (cannot|can't|can not|could not|couldn't|not|won't|will not|would not|wouldn't|didn't|did not|does not|doesn't|do not|don't|refused to|declined to) [0-1] (rule~|ruled) out {prio=1}
hedge  en.h.cannot_exclude 1.2  (cannot|can't|can not|could not|couldn't) [0-1] (exclude|excluded)

# added in 1.1.0
hedge  en.h.almost_certainly 1.0 (almost certainly|most likely|in all likelihood|more likely than not|in theory)
