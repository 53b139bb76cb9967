# English boosters: markers that raise commitment.
@version 1.1.0
@language en

booster  en.b.certainly    1.0  (certainly|definitely|undoubtedly|undeniably|unquestionably|indisputably|surely|obviously|evidently|plainly)
booster  en.b.clearly      1.0  clearly
booster  en.b.of_course    0.8  of course
booster  en.b.it_is_clear  1.0  (it is|it's|it was|it has become|it became) clear
booster  en.b.beyond_doubt 1.0  beyond [0-1] (doubt|question)
booster  en.b.no_question  1.0  there is no question
booster  en.b.certain_that 1.0  (certain|sure|convinced|confident) that
booster  en.b.in_fact      0.6  (in fact|indeed)
booster  en.b.inevitably   0.8  (inevitably|inevitable|bound to)
