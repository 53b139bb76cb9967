# textstance default English lexicon (seed; see README "Lexicon format")
@version 0.1.0
@language en
hedge	en.hedge.probably	1.0	probably
hedge	en.hedge.possibly	1.0	possibly
hedge	en.hedge.likely	0.8	likely
hedge	en.hedge.it_seems	1.0	it seems
hedge	en.hedge.cannot_be_ruled_out	1.2	cannot be ruled out
pessimism	en.pess.little_reason_for_optimism	1.5	little reason for optimism
pessimism	en.pess.stalemate	1.0	stalemate
booster	en.boost.certainly	1.0	certainly
