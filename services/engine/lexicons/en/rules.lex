# English rules: negators, contrast words, blockers, latent entries, groups.
# Format: see ../README.md. Ids are stable: never reuse or renumber them.
@version 1.1.0
@language en
@negation-window 4

# --- negators: open a negation scope for the cues that follow ---
negator   en.neg.not        -  not
negator   en.neg.nt         -  *n't
negator   en.neg.no         -  no
negator   en.neg.never      -  never
negator   en.neg.nobody     -  (nobody|no one|none|nothing|neither|nor)
negator   en.neg.hardly     -  (hardly|scarcely|barely)
negator   en.neg.little     -  (little|few|scant)
negator   en.neg.lack       -  (lack|lacks|lacked|lacking|absence of|without|devoid of)
negator   en.neg.far_from   -  far from
negator   en.neg.cannot     -  (cannot|can not)

# --- blockers of negation ---
block     en.blk.not_only   -  (not only|not just|not merely) {blocks=negator}
block     en.blk.a_little   -  (a little|a few|quite a few|no less) {blocks=negator}
block     en.blk.no_matter  -  no matter {blocks=negator}

# --- contrast words end a negation scope ---
contrast  en.con.but        -  (but|however|although|though|whereas|nevertheless|nonetheless|instead)

# --- latent entries: emit only when negated ---
latent    en.lat.optimism   1.2  optimis* {neg=pessimism}
latent    en.lat.hope       1.0  (hope|hopes|hopeful|hopefulness) {neg=pessimism}
latent    en.lat.prospect   1.0  (prospect|prospects) {neg=pessimism}
latent    en.lat.chance     1.0  (chance|chances) {neg=pessimism}
latent    en.lat.progress   1.0  progress {neg=pessimism}
latent    en.lat.breakthrough 1.0 breakthrough* {neg=pessimism}
latent    en.lat.solution   0.8  (solution|settlement) in sight {neg=pessimism}
latent    en.lat.end_sight  1.0  end in sight {neg=pessimism}
latent    en.lat.realistic  1.0  (realistic|feasible|achievable|attainable) {neg=pessimism}
latent    en.lat.confidence 0.8  (grounds|reason|reasons) for confidence {neg=pessimism}
latent    en.lat.doubt      1.0  (doubt|doubts|doubted|doubting) {neg=booster}

# --- groups used by filters ---
@group past_time: yesterday; last (week|month|year|night|time|spring|summer|autumn|fall|winter|decade|century); (week|weeks|month|months|year|years|days|decades) ago; ago; in 19*; in 20*; earlier this (year|month|week); at the time; back then; previously; in the past; (monday|tuesday|wednesday|thursday|friday|saturday|sunday) (morning|night|evening)
@group month_prep: in; on; of; since; until; till; by; from; early; late; mid; mid-; next; last; this; during
@group might_noun: the; its; his; her; their; our; your; whose; military; economic; naval; nuclear; industrial; financial; full; sheer; russian; american; chinese; western; soviet; all

# --- homograph blockers ---
block     en.blk.theresa_may -  theresa may {blocks=hedge}
block     en.blk.may_day     -  may day {blocks=hedge}
block     en.blk.could_not   -  (could not|couldn't|could never|could hardly|could barely) {blocks=hedge}
block     en.blk.possible_idiom - (as soon as|as much as|as far as|as quickly as|as early as|as many as|if|where|whenever|wherever|when) possible {blocks=hedge}
block     en.blk.made_possible - (make|makes|made|making) [0-2] possible {blocks=hedge}
block     en.blk.appear_court - appear~ (in|at|before|on) {blocks=hedge}

# added in 1.1.0
latent    en.lat.certainty  1.0  (certainty|guarantee|guarantees) {neg=hedge}
latent    en.lat.sign       0.8  (sign|signs|indication|indications) (of|that) {neg=pessimism}
