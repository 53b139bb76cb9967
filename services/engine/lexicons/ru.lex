# textstance default Russian lexicon (seed; see README "Lexicon format")
@version 0.1.0
@language ru
hedge	ru.hedge.veroyatno	1.0	вероятно
hedge	ru.hedge.ne_isklyucheno	1.2	не исключено
hedge	ru.hedge.yakoby	1.0	якобы
pessimism	ru.pess.tupik	1.0	тупик
pessimism	ru.pess.net_osnovaniy	1.5	оснований для оптимизма нет
booster	ru.boost.nesomnenno	1.0	несомненно
