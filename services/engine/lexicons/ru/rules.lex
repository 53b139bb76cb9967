# Russian rules: negators, contrast words, blockers, latent entries, groups.
# Format: see ../README.md. Ids are stable: never reuse or renumber them.
@version 1.1.0
@language ru
@negation-window 4

# --- negators ---
negator   ru.neg.ne         -  не
negator   ru.neg.net        -  нет
negator   ru.neg.ni         -  (ни|никаких|никакого|никакой|никакие|никто|ничто|ничего)
negator   ru.neg.malo       -  (мало|немного|практически нет|почти нет)
negator   ru.neg.bez        -  (без|отсутствие|отсутствуют|отсутствует|лишены|лишен|лишена)
negator   ru.neg.nelzya     -  нельзя

# --- blockers of negation ---
block     ru.blk.ne_tolko   -  (не только|не просто|не менее|не раз|немало) {blocks=negator}

# --- contrast words end a negation scope ---
contrast  ru.con.no         -  (но|однако|зато|хотя|тем не менее|впрочем)

# --- latent entries: emit only when negated ---
latent    ru.lat.optimism   1.2  (оптимизм*|оптимисти*) {neg=pessimism}
latent    ru.lat.hope       1.0  надежд* {neg=pessimism}
latent    ru.lat.prospect   1.0  перспектив* {neg=pessimism}
latent    ru.lat.chance     1.0  шанс* {neg=pessimism}
latent    ru.lat.progress   1.0  (прогресс*|подвижк*|сдвиг*) {neg=pessimism}
latent    ru.lat.breakthrough 1.0 прорыв* {neg=pessimism}
latent    ru.lat.doubt      1.0  (сомнени*|сомнева*|усомни*) {neg=booster}

# --- homograph and idiom blockers ---
block     ru.blk.ne_isklyuchaya - не исключая {blocks=hedge}
block     ru.blk.vozmozhno_idiom - (насколько|как можно|если|по мере) (возможно|возможности) {blocks=hedge}

# added in 1.1.0
latent    ru.lat.uverennost 1.0  (уверенност*|гарантий|гарантии) {neg=hedge}
