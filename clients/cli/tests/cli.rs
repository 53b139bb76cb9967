//! The built `textstance` binary, embedded mode: --jsonl shapes, offsets in
//! every unit on emoji, Cyrillic and combining marks, --json, exit codes.
//! (Server mode against an in-process server is tested by the tests crate.)

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_textstance"));
    c.env_remove("TEXTSTANCE_SERVER")
        .env_remove("TEXTSTANCE_LEXICON_DIR");
    c
}

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn textstance");
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.as_bytes().to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait");
    writer.join().expect("writer");
    out
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .expect("utf-8 stdout")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    k.sort_unstable();
    k
}

fn jsonl(docs: &[(&str, &str)]) -> String {
    docs.iter()
        .map(|(id, text)| serde_json::json!({"id": id, "text": text}).to_string() + "\n")
        .collect()
}

/// `text[begin..end)` counted in `unit`.
fn cut(text: &str, unit: &str, b: u64, e: u64) -> String {
    let (b, e) = (b as usize, e as usize);
    match unit {
        "utf8" => text.get(b..e).expect("utf8 span on boundaries").to_owned(),
        "utf16" => {
            let u: Vec<u16> = text.encode_utf16().collect();
            String::from_utf16(&u[b..e]).expect("utf16 span on boundaries")
        }
        "codepoints" => text.chars().skip(b).take(e - b).collect(),
        other => panic!("unit {other}"),
    }
}

fn span(v: &Value) -> (u64, u64) {
    let a = v.as_array().expect("span pair");
    (a[0].as_u64().expect("begin"), a[1].as_u64().expect("end"))
}

const TRICKY: &str =
    "Привет 😀, мир. The cafe\u{301} will probably open 👍🏽 soon. Ёлки-палки, это, вероятно, конец.";

#[test]
fn no_edits_leaves_the_edit_list_out_and_the_text_as_it_was() {
    let input = jsonl(&[
        ("a", "The cafÃ© said \u{201c}no\u{201d} &amp; left."),
        ("b", "Clean text."),
        ("c", "Ð Ñ‹Ð½Ð¾Ðº Ð°ÐºÑ†Ð¸Ð¹"),
    ]);
    for cmd in ["normalize", "analyze"] {
        for profile in ["default", "ftfy"] {
            let full = run(&[cmd, "--jsonl", "--profile", profile], &input);
            let bare = run(
                &[cmd, "--jsonl", "--profile", profile, "--no-edits"],
                &input,
            );
            assert!(full.status.success() && bare.status.success(), "{cmd}");
            let (full, bare) = (lines(&full), lines(&bare));
            assert_eq!(full.len(), 3);
            assert_eq!(bare.len(), 3);
            assert!(full[0]["edits"].as_array().is_some_and(|e| !e.is_empty()));
            for (f, b) in full.iter().zip(&bare) {
                assert!(b.get("edits").is_none(), "{cmd} {profile}: {b}");
                let mut f = f.clone();
                f.as_object_mut().expect("object").remove("edits");
                assert_eq!(&f, b, "{cmd} {profile}");
            }
        }
    }
}

#[test]
fn jsonl_shapes_per_command() {
    let input = jsonl(&[("a", "It may rain. It will probably rain.")]);
    let cases: &[(&str, &[&str])] = &[
        ("normalize", &["edits", "id", "text"]),
        (
            "segment",
            &["id", "kinds", "language", "sentences", "spans"],
        ),
        ("tag", &["id", "language", "tags"]),
        (
            "analyze",
            &[
                "edits",
                "id",
                "kinds",
                "language",
                "lexicon_version",
                "scores",
                "sentence_scores",
                "sentences",
                "spans",
                "tags",
                "text",
            ],
        ),
    ];
    for (cmd, want) in cases {
        let out = run(&[cmd, "--jsonl"], &input);
        assert!(out.status.success(), "{cmd}: {out:?}");
        let got = lines(&out);
        assert_eq!(got.len(), 1, "{cmd}");
        assert_eq!(keys(&got[0]), *want, "{cmd}");
        assert_eq!(got[0]["id"], "a");
    }
    let out = run(&["tag", "--jsonl"], &input);
    let tag = &lines(&out)[0]["tags"][0];
    assert_eq!(
        keys(tag),
        [
            "category",
            "end",
            "entry_id",
            "in_quotation",
            "negated",
            "start",
            "text"
        ]
    );
    assert_eq!(tag["category"], "hedge");
    assert_eq!(tag["text"], "may");
    let tagged = lines(&out);
    let texts: Vec<&str> = tagged[0]["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|t| t["text"].as_str().expect("text"))
        .collect();
    assert_eq!(texts, ["may", "probably"]);
    let out = run(&["normalize", "--jsonl"], &jsonl(&[("m", "Itâ€™s here.")]));
    let v = &lines(&out)[0];
    assert_eq!(v["text"], "It’s here.");
    let edit = &v["edits"][0];
    assert_eq!(keys(edit), ["input", "kind", "output", "reason"]);
    assert_eq!(edit["kind"], "mojibake");
}

#[test]
fn ids_are_echoed_verbatim_in_order() {
    let mut input = String::new();
    for i in 0..2000 {
        let id = if i % 2 == 0 {
            serde_json::json!(i)
        } else {
            serde_json::json!({"doc": i, "tag": "x"})
        };
        input.push_str(
            &serde_json::json!({"id": id, "text": format!("Doc {i} may be late.")}).to_string(),
        );
        input.push('\n');
    }
    let out = run(&["segment", "--jsonl"], &input);
    assert!(out.status.success());
    let got = lines(&out);
    assert_eq!(got.len(), 2000);
    for (i, v) in got.iter().enumerate() {
        if i % 2 == 0 {
            assert_eq!(v["id"], serde_json::json!(i));
        } else {
            assert_eq!(v["id"], serde_json::json!({"doc": i, "tag": "x"}));
        }
    }
}

#[test]
fn offsets_pick_out_the_right_substrings_in_every_unit() {
    let input = jsonl(&[("t", TRICKY)]);
    for unit in ["utf8", "utf16", "codepoints"] {
        // segment: spans index the text as given.
        let out = run(&["segment", "--jsonl", "--offsets", unit], &input);
        assert!(out.status.success(), "{unit}");
        let v = &lines(&out)[0];
        let sentences = v["sentences"].as_array().expect("sentences");
        let spans = v["spans"].as_array().expect("spans");
        assert_eq!(sentences.len(), spans.len());
        assert!(sentences.len() >= 2, "{unit}: {v}");
        for (s, sp) in sentences.iter().zip(spans) {
            let (b, e) = span(sp);
            assert_eq!(cut(TRICKY, unit, b, e), s.as_str().expect("str"), "{unit}");
        }
        // tag: cue spans index the text as given.
        let out = run(
            &["tag", "--jsonl", "--offsets", unit, "--lang", "en"],
            &input,
        );
        let v = &lines(&out)[0];
        let tags = v["tags"].as_array().expect("tags");
        assert!(!tags.is_empty(), "{unit}: {v}");
        for t in tags {
            let (b, e) = (
                t["start"].as_u64().expect("s"),
                t["end"].as_u64().expect("e"),
            );
            assert_eq!(
                cut(TRICKY, unit, b, e),
                t["text"].as_str().expect("str"),
                "{unit}"
            );
        }
        // analyze: spans index the normalized text it returns; edit input
        // spans index the input, output spans the normalized text.
        let damaged = format!("Itâ€™s {TRICKY}");
        let out = run(
            &["analyze", "--jsonl", "--offsets", unit],
            &jsonl(&[("d", &damaged)]),
        );
        let v = &lines(&out)[0];
        let text = v["text"].as_str().expect("text");
        assert!(text.starts_with("It’s Привет"), "{unit}: {text}");
        for (s, sp) in v["sentences"]
            .as_array()
            .expect("s")
            .iter()
            .zip(v["spans"].as_array().expect("spans"))
        {
            let (b, e) = span(sp);
            assert_eq!(cut(text, unit, b, e), s.as_str().expect("str"), "{unit}");
        }
        for t in v["tags"].as_array().expect("tags") {
            let (b, e) = (
                t["start"].as_u64().expect("s"),
                t["end"].as_u64().expect("e"),
            );
            assert_eq!(
                cut(text, unit, b, e),
                t["text"].as_str().expect("str"),
                "{unit}"
            );
        }
        let edits = v["edits"].as_array().expect("edits");
        assert!(!edits.is_empty());
        let first = &edits[0];
        let (ib, ie) = span(&first["input"]);
        let (ob, oe) = span(&first["output"]);
        // The edit may cover the whole word; it covers the damage either way.
        let (inp, outp) = (cut(&damaged, unit, ib, ie), cut(text, unit, ob, oe));
        assert!(inp.contains("â€™") && !inp.contains('’'), "{unit}: {inp}");
        assert!(
            outp.contains('’') && !outp.contains("â€™"),
            "{unit}: {outp}"
        );
        assert_eq!(inp.replace("â€™", "’"), outp, "{unit}");
    }
}

#[test]
fn units_differ_where_they_should() {
    let input = jsonl(&[("t", "😀 Ёж. Да.")]);
    let mut ends = Vec::new();
    for unit in ["utf8", "utf16", "codepoints"] {
        let out = run(
            &["segment", "--jsonl", "--offsets", unit, "--lang", "ru"],
            &input,
        );
        let v = &lines(&out)[0];
        ends.push(span(&v["spans"][v["spans"].as_array().expect("a").len() - 1]).1);
    }
    // 😀 is 4 bytes, 2 UTF-16 units, 1 code point; Ё, ж, Д, а are 2 bytes.
    assert_eq!(ends, [16, 10, 9]);
}

#[test]
fn json_is_one_document() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-json");
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let a = dir.join("a.txt");
    let b = dir.join("b.txt");
    std::fs::write(&a, "It may rain.").expect("write");
    std::fs::write(&b, "Это, вероятно, конец.").expect("write");
    let p = |x: &PathBuf| x.to_string_lossy().into_owned();
    let out = bin()
        .args(["analyze", "--json", &p(&a)])
        .output()
        .expect("run");
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(v["id"], p(&a));
    let out = bin()
        .args(["tag", "--json", &p(&a), &p(&b)])
        .output()
        .expect("run");
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    let arr = v.as_array().expect("array for several files");
    assert_eq!(arr.len(), 2);
    assert_eq!(arr[1]["language"], "ru");
    // A file in another encoding is decoded and reported.
    let c = dir.join("c.txt");
    let (bytes, _, _) = encoding_rs_free_cp1251("Привет, мир.");
    std::fs::write(&c, bytes).expect("write");
    let out = bin()
        .args(["normalize", "--json", "--charset", "windows-1251", &p(&c)])
        .output()
        .expect("run");
    assert!(out.status.success(), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["text"], "Привет, мир.");
    assert_eq!(v["encoding"]["evidence"], "declared");
}

/// windows-1251 bytes of Cyrillic-and-ASCII text, without a codec crate.
fn encoding_rs_free_cp1251(s: &str) -> (Vec<u8>, (), ()) {
    let bytes = s
        .chars()
        .map(|c| match c {
            'А'..='я' => (c as u32 - 'А' as u32 + 0xC0) as u8,
            c if c.is_ascii() => c as u8,
            other => panic!("not in the test table: {other}"),
        })
        .collect();
    (bytes, (), ())
}

fn unused_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
    // dropped here: nothing listens on the port any more
}

#[test]
fn exit_codes() {
    let dead = format!("http://127.0.0.1:{}", unused_port());
    let cases: &[(&[&str], &str, i32)] = &[
        (&["segment", "--jsonl"], "{\"id\":1,\"text\":\"Ok.\"}\n", 0),
        (&["analyze", "--jsonl"], "{\"id\":1,\"text\":\"\"}\n", 1),
        (&["analyze", "--jsonl"], "not json\n", 1),
        (&["analyze"], "", 1),
        (&["analyze", "/no/such/file"], "", 1),
        (&["bogus"], "", 2),
        (&["analyze", "--offsets", "bytes"], "", 2),
        (&["analyze", "--json", "--jsonl"], "", 2),
        (&["health"], "", 2),
        (&["--server", "https://x:1", "analyze"], "x", 2),
        (&["--server", &dead, "analyze"], "It may rain.", 69),
        (
            &["--server", &dead, "segment", "--jsonl"],
            "{\"id\":1,\"text\":\"x\"}\n",
            69,
        ),
        (&["--server", &dead, "lexicons"], "", 69),
        (&["--server", &dead, "health"], "", 69),
        (
            &["--server", &format!("ipv4:{}", &dead[7..]), "tag"],
            "x",
            69,
        ),
        (&["--help"], "", 0),
    ];
    for (args, stdin, want) in cases {
        let out = run(args, stdin);
        assert_eq!(
            out.status.code(),
            Some(*want),
            "{args:?}: stderr {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The environment variable is the same as --server.
    let out = bin()
        .env("TEXTSTANCE_SERVER", &dead)
        .args(["lexicons"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(69));
}

#[test]
fn threads_do_not_change_the_output() {
    let mut input = String::new();
    for i in 0..5000 {
        match i % 50 {
            7 => input.push_str("not json\n"),
            8 => input.push('\n'),
            9 => input.push_str("{\"text\":\"\"}\n"),
            10 => input.push_str("{\"text\":\"No id here. Probably.\"}\n"),
            _ => input.push_str(
                &(serde_json::json!({"id": format!("d{i}"), "text": format!("Doc {i}: it may rain. Цены, вероятно, вырастут {i}.")})
                    .to_string()
                    + "\n"),
            ),
        }
    }
    let one = run(&["analyze", "--jsonl", "--threads", "1"], &input);
    let three = run(&["analyze", "--jsonl", "--threads", "3"], &input);
    assert_eq!(one.status.code(), Some(1), "bad lines fail the run");
    assert_eq!(three.status.code(), Some(1));
    assert!(one.stdout == three.stdout, "outputs differ");
    let got = lines(&three);
    assert_eq!(got.len(), 4900, "one line per non-blank input line");
    // Lines 1-7 are docs, 8 is not JSON, 9 is blank, 10 is empty, 11 has no id.
    assert_eq!(got[7]["id"], 8);
    assert_eq!(got[7]["error"]["reason"], "BAD_INPUT_LINE");
    assert_eq!(got[8]["error"]["reason"], "EMPTY_DOCUMENT");
    assert_eq!(got[9]["id"], 11, "a missing id is the line number");
    assert_eq!(got[10]["id"], "d11");
    assert_eq!(got[4899]["id"], "d4999");
}

#[test]
fn processing_errors_keep_the_batch_going() {
    let input = "{\"id\":\"a\",\"text\":\"One.\"}\n{\"id\":\"b\",\"text\":\"\"}\n\n{\"id\":\"c\",\"text\":\"Two.\"}\n";
    let out = run(&["segment", "--jsonl"], input);
    assert_eq!(out.status.code(), Some(1));
    let got = lines(&out);
    let ids: Vec<&str> = got.iter().map(|v| v["id"].as_str().expect("id")).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    assert_eq!(got[1]["error"]["reason"], "EMPTY_DOCUMENT");
    assert_eq!(got[1]["error"]["code"], "INVALID_ARGUMENT");
}

#[test]
fn lexicon_dir_and_check() {
    let engine_lex = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../services/engine/lexicons");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-lex");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("tmp dir");
    // The defaults are laid out per language (en/hedge.lex, ...).
    for lang in ["en", "ru"] {
        std::fs::create_dir_all(dir.join(lang)).expect("lang dir");
        for e in std::fs::read_dir(engine_lex.join(lang)).expect("engine lexicons") {
            let e = e.expect("entry");
            if e.path().extension().is_some_and(|x| x == "lex") {
                std::fs::copy(e.path(), dir.join(lang).join(e.file_name())).expect("copy");
            }
        }
    }
    let d = dir.to_string_lossy().into_owned();
    let out = bin()
        .args(["lexicons", "check", &d, "--json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["ok"], true);
    // The same lexicons through --lexicon-dir list the same set as built in.
    let listed = |extra: &[&str]| -> Value {
        let out = bin()
            .args(["lexicons", "--json"])
            .args(extra)
            .output()
            .expect("run");
        assert!(out.status.success(), "{out:?}");
        serde_json::from_slice(&out.stdout).expect("json")
    };
    assert_eq!(listed(&[]), listed(&["--lexicon-dir", &d]));
    // A broken file is rejected with its name and line.
    std::fs::write(dir.join("zz.lex"), "%%% this is not a lexicon line\n").expect("write");
    let out = bin()
        .args(["lexicons", "check", &d, "--json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["ok"], false);
    assert!(
        v["error"].as_str().expect("error").contains("zz.lex:1"),
        "{v}"
    );
    let out = bin()
        .args(["--lexicon-dir", &d, "tag"])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "a broken lexicon dir fails");
}

#[test]
fn terminal_view_when_not_a_terminal_is_plain() {
    let out = run(
        &["analyze"],
        "Itâ€™s 😀 probably over. Это, вероятно, конец.",
    );
    assert!(out.status.success(), "{out:?}");
    let view = String::from_utf8(out.stdout).expect("utf-8");
    assert!(!view.contains('\x1b'), "no ANSI codes when piped: {view}");
    for want in [
        "sentences (",
        "[вероятно|hedge]",
        "edits (",
        "mojibake",
        "tags (",
        "scores:",
    ] {
        assert!(view.contains(want), "{want:?} missing in:\n{view}");
    }
    let out = run(
        &["--color", "always", "tag", "--offsets", "utf16"],
        "It will probably 😀 rain.",
    );
    let view = String::from_utf8(out.stdout).expect("utf-8");
    assert!(view.contains("\x1b[1;33mprobably\x1b[0m"), "{view}");
    let out = bin()
        .env("NO_COLOR", "1")
        .args(["--color", "auto", "segment", "-"])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(1),
        "empty stdin is an empty document"
    );
}
