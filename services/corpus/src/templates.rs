//! Story templates written for this corpus. Slots in braces are filled from
//! the word lists below; every story is a headline, a blank line, a dateline
//! and a few paragraphs.

use crate::Rng;

const EN_CITIES: &[&str] = &[
    "GENEVA",
    "MOSCOW",
    "WASHINGTON",
    "BRUSSELS",
    "VIENNA",
    "ANKARA",
    "BERLIN",
    "TOKYO",
    "NEW YORK",
    "ZÜRICH",
    "KRAKÓW",
    "SÃO PAULO",
];
const EN_MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const EN_PEOPLE: &[&str] = &[
    "Mr. Alvarez",
    "Ms. Novak",
    "Gen. Harlow",
    "Dr. Okafor",
    "Sen. Whitfield",
    "Prof. Lindqvist",
    "Mrs. Dubois",
    "Amb. Kerimov",
    "Gov. Brennan",
    "Lt. Col. Ashby",
    "François Girard",
    "José Muñoz",
    "Zoë Kowalczyk",
];
const EN_ORGS: &[&str] = &[
    "the U.N. Security Council",
    "the European Commission",
    "the U.S. Treasury",
    "the IAEA",
    "the foreign ministry",
    "the central bank",
    "NATO",
    "the OSCE",
    "the World Bank",
    "Acme Corp.",
    "the U.K. government",
];
const EN_TOPICS: &[&str] = &[
    "the grain corridor",
    "the ceasefire",
    "arms control",
    "the sanctions package",
    "the nuclear deal",
    "energy prices",
    "the trade agreement",
    "the prisoner exchange",
    "the border talks",
    "the debt restructuring",
];
const EN_HEADLINES: &[&str] = &[
    "Talks on {topic} stall as deadline nears",
    "{org_cap} warns of slower growth",
    "Diplomats see little reason for optimism on {topic}",
    "Markets edge higher after {topic} deal",
    "Officials say progress on {topic} unlikely this year",
    "New round of talks opens in {city_title}",
];
const EN_SENTENCES: &[&str] = &[
    "{person} said on Tuesday that talks on {topic} would probably resume next week.",
    "It seems unlikely that {org} will reach a decision before the summit.",
    "\u{201C}We cannot rule out a breakthrough,\u{201D} {person} told reporters.",
    "There is little reason for optimism, according to two diplomats familiar with the matter.",
    "It would be naive to expect rapid progress on {topic}, {person} said.",
    "The other side has failed to fulfill its commitments under the 2019 agreement.",
    "Prices rose {num}.{digit}% in {month}, the fastest pace since 2021.",
    "The meeting is scheduled for {hour} p.m. Moscow time on {month} {day}.",
    "{org_cap} said the figures were broadly in line with expectations.",
    "Shares of Acme Corp. fell ${num}.{digit}0 to close at ${num}{digit}.25 in New York.",
    "Analysts said the talks had reached a stalemate.",
    "The proposal may be discussed at the next session, officials said.",
    "{person} certainly knows the file better than anyone in the U.S. delegation.",
    "\u{201C}Is this the end of {topic}?\u{201D} asked one delegate.",
    "The draft, which runs to {num}{digit} pages, was circulated on {month} {day}.",
    "Some {num}{digit}0 people attended the briefing at 10 a.m. on Monday.",
    "There is no doubt that the vote will be close.",
    "Negotiators apparently agreed on a timetable, though details remain unclear.",
    "The plan\u{2019}s critics called it a dead end \u{2014} a charge {person} rejected.",
    "A naïve reading of the data would miss the seasonal effect.",
    "The café owners\u{2019} association said costs had doubled since {month}.",
    "Negotiations could collapse if neither side gives ground.",
    "Officials said the ministry had received {num} complaints, e.g. about delays at the border.",
    "Inflation is expected to slow to about {num}% by the end of the year.",
    "The report is available at https://example.org/reports/{num}{digit}.pdf for subscribers.",
];
const RU_CITIES: &[&str] = &[
    "МОСКВА",
    "ЖЕНЕВА",
    "ВЕНА",
    "САНКТ-ПЕТЕРБУРГ",
    "ВАШИНГТОН",
    "БРЮССЕЛЬ",
    "АНКАРА",
    "МИНСК",
];
const RU_MONTHS: &[&str] = &[
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];
const RU_PEOPLE: &[&str] = &[
    "Сергей Иванов",
    "Мария Захарова",
    "Алексей Петров",
    "Ольга Семёнова",
    "генерал Фёдоров",
    "посол Кузнецов",
    "министр Орлов",
    "Анна Ковалёва",
];
const RU_ORGS: &[&str] = &[
    "МИД РФ",
    "Банк России",
    "Совет Безопасности ООН",
    "Еврокомиссия",
    "правительство",
    "Минфин",
    "ОБСЕ",
    "МАГАТЭ",
];
const RU_TOPICS: &[&str] = &[
    "зерновой сделке",
    "прекращении огня",
    "контроле над вооружениями",
    "санкциях",
    "обмене пленными",
    "ценах на газ",
    "торговом соглашении",
    "пограничном урегулировании",
];
const RU_HEADLINES: &[&str] = &[
    "Переговоры о {topic} зашли в тупик",
    "{org} предупредил о замедлении роста",
    "Дипломаты не видят оснований для оптимизма",
    "Рынок акций вырос после новостей о {topic}",
    "В {city_title} открылся новый раунд консультаций",
];
const RU_SENTENCES: &[&str] = &[
    "{person} заявил во вторник, что переговоры о {topic}, вероятно, возобновятся на следующей неделе.",
    "По его словам, оснований для оптимизма пока нет.",
    "«Наивно было бы ожидать быстрого прогресса», — сказал {person}.",
    "Не исключено, что {org} примет решение до саммита.",
    "Другая сторона так и не выполнила свои обязательства по соглашению 2019 г.",
    "Цены выросли на {num},{digit}% в {month_prep}, сообщил Росстат.",
    "Встреча запланирована на {hour}:00 по московскому времени {day} {month}.",
    "Как отмечают эксперты, переговоры зашли в тупик.",
    "Вряд ли удастся договориться до конца года, считают аналитики.",
    "Объём торгов составил {num}{digit} млрд руб., т.е. на {num}% больше, чем год назад.",
    "«Это конец переговоров?» — спросил один из делегатов.",
    "Несомненно, голосование будет непростым.",
    "По-видимому, стороны согласовали график, однако детали не раскрываются.",
    "Заседание прошло в здании на ул. Тверской, д. {num}{digit}.",
    "{person} якобы предложил перенести встречу на {day} {month}.",
    "Ожидается, что инфляция замедлится примерно до {num}% к концу года.",
    "В документе, который насчитывает {num}{digit} страниц, говорится о {topic}.",
    "Нельзя исключать, что консультации будут продолжены в {city_title}.",
    "Представитель {org_gen} отказался от комментариев.",
    "Ситуация остаётся сложной, и шансы на компромисс невелики.",
];
const RU_ORGS_GEN: &[&str] = &[
    "МИД РФ",
    "Банка России",
    "Еврокомиссии",
    "правительства",
    "ОБСЕ",
];
const RU_MONTHS_PREP: &[&str] = &["январе", "феврале", "марте", "апреле", "мае", "октябре"];

fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = c == ' ' || c == '-';
    }
    out
}

fn fill(template: &str, rng: &mut Rng, ru: bool, out: &mut String) {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let slot = &rest[open + 1..open + close];
        match (slot, ru) {
            ("person", false) => out.push_str(rng.pick(EN_PEOPLE)),
            ("person", true) => out.push_str(rng.pick(RU_PEOPLE)),
            ("org", false) => out.push_str(rng.pick(EN_ORGS)),
            ("org", true) => out.push_str(rng.pick(RU_ORGS)),
            ("org_gen", _) => out.push_str(rng.pick(RU_ORGS_GEN)),
            ("org_cap", _) => {
                let o = rng.pick(EN_ORGS);
                let mut cs = o.chars();
                if let Some(f) = cs.next() {
                    out.extend(f.to_uppercase());
                    out.push_str(cs.as_str());
                }
            }
            ("topic", false) => out.push_str(rng.pick(EN_TOPICS)),
            ("topic", true) => out.push_str(rng.pick(RU_TOPICS)),
            ("month", false) => out.push_str(rng.pick(EN_MONTHS)),
            ("month", true) => out.push_str(rng.pick(RU_MONTHS)),
            ("month_prep", _) => out.push_str(rng.pick(RU_MONTHS_PREP)),
            ("city_title", false) => out.push_str(&title_case(rng.pick(EN_CITIES))),
            ("city_title", true) => out.push_str(&title_case(rng.pick(RU_CITIES))),
            ("num", _) => out.push_str(&(1 + rng.below(9)).to_string()),
            ("digit", _) => out.push_str(&rng.below(10).to_string()),
            ("hour", _) => out.push_str(&(1 + rng.below(11)).to_string()),
            ("day", _) => out.push_str(&(1 + rng.below(28)).to_string()),
            _ => out.push_str(slot),
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
}

fn story(
    rng: &mut Rng,
    ru: bool,
    headlines: &[&str],
    sentences: &[&str],
    dateline: impl Fn(&mut Rng, &mut String),
) -> String {
    let mut s = String::with_capacity(1024);
    fill(rng.pick(headlines), rng, ru, &mut s);
    s.push_str("\n\n");
    dateline(rng, &mut s);
    let paragraphs = 2 + rng.below(3);
    for p in 0..paragraphs {
        if p > 0 {
            s.push_str("\n\n");
        }
        let n = 2 + rng.below(4);
        for i in 0..n {
            if i > 0 || p == 0 {
                s.push(' ');
            }
            fill(rng.pick(sentences), rng, ru, &mut s);
        }
    }
    s.replace("\n\n ", "\n\n")
}

/// One English story.
pub(crate) fn english_story(rng: &mut Rng) -> String {
    story(rng, false, EN_HEADLINES, EN_SENTENCES, |rng, s| {
        let city = rng.pick(EN_CITIES);
        if rng.chance(0.5) {
            s.push_str(city);
            s.push_str(", ");
            s.push_str(rng.pick(EN_MONTHS));
            s.push(' ');
            s.push_str(&(1 + rng.below(28)).to_string());
            s.push_str(". /TASS/.");
        } else {
            s.push_str(city);
            s.push_str(" (Reuters) -");
        }
    })
}

/// One Russian story.
pub(crate) fn russian_story(rng: &mut Rng) -> String {
    story(rng, true, RU_HEADLINES, RU_SENTENCES, |rng, s| {
        s.push_str(rng.pick(RU_CITIES));
        s.push_str(", ");
        s.push_str(&(1 + rng.below(28)).to_string());
        s.push(' ');
        s.push_str(rng.pick(RU_MONTHS));
        s.push_str(". /ТАСС/.");
    })
}
