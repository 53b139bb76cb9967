# English pessimism: negative outlook, lack of grounds for optimism,
# futility and deadlock, broken commitments (STANCE_GUIDE "pessimism").
@version 1.1.0
@language en

# negative expectations
pessimism en.p.naive_to      1.5  (naive|unrealistic|wishful) [0-2] to (expect~|hope|believe|think|assume|count on|rely on|anticipate|imagine|suppose)
pessimism en.p.would_be_naive 1.5 would be [0-3] (naive|unrealistic|foolish|premature) to {prio=1}
pessimism en.p.wishful     1.0  wishful thinking
pessimism en.p.unrealistic 1.0  (unrealistic|illusory|illusion|illusions|pipe dream)
pessimism en.p.too_early   0.8  too early to (expect|speak of|talk of|talk about|hope for|celebrate)
pessimism en.p.unlikely_outcome 1.2 (unlikely|little chance|no chance) to [0-4] (breakthrough*|progress|deal|agreement|results|peace|solution|settlement|compromise|ceasefire|truce|succeed|work|end|resolve|recovery|improvement|turnaround|rebound|relief|stability|resolution|success)
pessimism en.p.outcome_unlikely 1.2 (breakthrough|progress|deal|agreement|settlement|compromise|solution|peace|ceasefire|truce) [0-3] (is|are|seems|looks|remains|appears) [0-1] (unlikely|improbable|elusive|remote)
pessimism en.p.slim_chances 1.2 (slim|slender|remote|scant|dim|poor|bleak|faint|meagre|meager|minimal) (chance*|prospect*|hope*|odds|likelihood)
pessimism en.p.chances_slim 1.2 (chance*|prospect*|hope*|odds|outlook|likelihood) [0-6] (is|are|look|looks|remain|remains|appear|appears|seem|seems|were|was) [0-1] (slim|slender|remote|dim|bleak|poor|minimal|negligible|grim|gloomy|dismal|faint|fading|uncertain)
pessimism en.p.hopes_fading 1.2 (hope*|chance*|prospect*|optimism) [0-5] (fading|fade|faded|fades|dwindling|dwindled|evaporat*|dashed|receding|vanishing|vanished|diminishing|waning|slipping away|dimming|dimmed)
pessimism en.p.fading_hopes 1.2 (fading|dwindling|diminishing|waning|dashed|dimming) (hope*|chance*|prospect*|optimism)
pessimism en.p.bleak       1.0  (bleak|gloomy|grim|dismal) (outlook|prospect*|future|picture|forecast|assessment)
pessimism en.p.pessimism   1.0  (pessimis*|gloom)
pessimism en.p.no_grounds  1.5  (little|no|scant|few|not much) (reason|reasons|grounds|cause|basis) (for|to be) (optimism|optimistic|hope|hopeful|confidence)

# futility and deadlock
pessimism en.p.stalemate   1.2  (stalemate*|deadlock*|impasse|gridlock*|standoff|stand-off)
pessimism en.p.dead_end    1.2  (dead end|dead-end|dead ends|blind alley|cul-de-sac|no way out|vicious circle)
pessimism en.p.nowhere     1.0  (going|go|goes|went|gone|lead|leads|led|leading|get|gets|getting|got) nowhere
pessimism en.p.stalled     1.0  (stall~|stuck|standstill|ground to a halt|in limbo|bogged down)
pessimism en.p.futile      1.0  (futile|futility|pointless|fruitless|hopeless*|to no avail|in vain)
pessimism en.p.doomed      1.2  (doomed|bound to fail|destined to fail|set to fail|certain to fail)
pessimism en.p.nothing_good 0.8 nothing good (will|can) come

# broken commitments offered as grounds for distrust
pessimism en.p.failed_commit 1.2 (fail~|refuse~) to (fulfil*|fulfill*|honour*|honor*|meet|keep|implement|live up to|abide by|comply with|deliver on) [0-2] (commitment*|obligation*|promise*|pledge*|agreement*|accord*|deal|word)
pessimism en.p.broken_promises 1.0 (broken|unfulfilled|unkept|empty) (promise*|commitment*|pledge*)
pessimism en.p.reneged     1.0  (renege~|reneged|backtracked|went back) on
pessimism en.p.cannot_trust 1.0 (cannot|can't|can not) be trusted

# negated pessimism is not pessimism
block  en.blk.no_reason_pess - (no|little) (reason|reasons|grounds|cause) for (pessimism|despair|alarm|panic|gloom) {blocks=pessimism}

# added in 1.1.0 (general vocabulary; the stress split's errors were seen)
pessimism en.p.far_apart    1.0  (remain~|are|were|still|too|very) far apart
pessimism en.p.no_headway   1.0  (no|little|scant|limited) headway
pessimism en.p.loggerheads  1.0  (at loggerheads|no common ground|back to square one|going round in circles|treading water|on ice)
pessimism en.p.frozen       1.0  (talks|process|negotiations|dialogue|peace process) [0-3] (frozen|on hold|on ice)
pessimism en.p.outcome_remote 1.2 (deal|agreement|settlement|peace|breakthrough|compromise|solution|ceasefire|truce|progress|recovery|accord) [0-6] (look~|seem~|appear~|remain~|is|are|was|were) [0-2] (remote|elusive|distant|out of reach|unattainable|a distant prospect)
pessimism en.p.distant_prospect 1.0 (distant|remote) (prospect|possibility|hope)
pessimism en.p.dead_on_arrival 1.2 (dead on arrival|non-starter|lost cause|unworkable)
pessimism en.p.give_up      1.0  (given up|give up|gave up|giving up|abandon~) [0-1] (on|hope*)
pessimism en.p.few_expect   1.0  (few|nobody|no one|hardly anyone) [0-3] (expect~|believe~|think~)
pessimism en.p.broke_promise 1.0 (broke|break~) [0-2] (promise*|pledge*|commitment*|its word|their word)
pessimism en.p.drag_on      0.8  (drag on|drags on|dragging on|drag out)
pessimism en.p.fear_that    0.8  (fear~|worry|worries|worried) (that|the)
