//! ghz's call templates in metadata values, e.g.
//! `"x-request-id": "ghz-{{.RequestNumber}}"`.
//!
//! A value is split once into literal text and placeholders. Names fixed for
//! the run (`.MethodName`, `.ServiceName`, ...) are filled in at once; the
//! per-call ones (`.RequestNumber` counting from 1 as in ghz, `.WorkerID` as
//! `g<worker>c<connection>`, the Unix timestamps, `.Timestamp`) are rendered
//! into a reused buffer for each call. Only bare `{{ .Name }}` placeholders
//! are understood: ghz's template functions and `.UUID` are not, and such a
//! value is sent literally (the caller warns). Call data is never templated:
//! it is encoded once before the run.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use prost_reflect::MethodDescriptor;
use tonic::metadata::{AsciiMetadataKey, MetadataMap, MetadataValue};

use crate::schema::SchemaError;

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    RequestNumber,
    WorkerId,
    Timestamp,
    UnixSeconds,
    UnixMillis,
    UnixNanos,
}

/// A parsed metadata value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

/// Per-call values a template can use.
#[derive(Debug, Clone, Copy)]
pub struct CallVars<'a> {
    /// Call number, from 0 (rendered from 1, as ghz does).
    pub k: u64,
    /// ghz's worker id, `g<worker>c<connection>`.
    pub worker_id: &'a str,
}

impl Template {
    /// Parses `value`. Returns `Err(placeholder)` for the first placeholder
    /// it does not understand.
    pub fn parse(value: &str, method: &MethodDescriptor) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut rest = value;
        while let Some(open) = rest.find("{{") {
            text.push_str(&rest[..open]);
            let after = &rest[open + 2..];
            let Some(close) = after.find("}}") else {
                return Err(rest[open..].to_owned());
            };
            let name = after[..close].trim();
            let fixed = match name {
                ".FullyQualifiedName" => Some(method.full_name().to_owned()),
                ".MethodName" => Some(method.name().to_owned()),
                ".ServiceName" => Some(method.parent_service().name().to_owned()),
                ".InputName" => Some(method.input().name().to_owned()),
                ".OutputName" => Some(method.output().name().to_owned()),
                ".IsClientStreaming" => Some(method.is_client_streaming().to_string()),
                ".IsServerStreaming" => Some(method.is_server_streaming().to_string()),
                _ => None,
            };
            if let Some(fixed) = fixed {
                text.push_str(&fixed);
            } else {
                let part = match name {
                    ".RequestNumber" => Part::RequestNumber,
                    ".WorkerID" => Part::WorkerId,
                    ".Timestamp" => Part::Timestamp,
                    ".TimestampUnix" => Part::UnixSeconds,
                    ".TimestampUnixMilli" => Part::UnixMillis,
                    ".TimestampUnixNano" => Part::UnixNanos,
                    _ => return Err(format!("{{{{{}}}}}", &after[..close])),
                };
                if !text.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut text)));
                }
                parts.push(part);
            }
            rest = &after[close + 2..];
        }
        text.push_str(rest);
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(Template { parts })
    }

    /// The value when it has no per-call placeholder.
    pub fn as_static(&self) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                _ => return None,
            }
        }
        Some(out)
    }

    /// Renders the value of one call into `buf` (cleared first).
    pub fn render(&self, vars: CallVars<'_>, buf: &mut String) {
        use std::fmt::Write as _;
        buf.clear();
        let now = || {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
        };
        for part in &self.parts {
            // Writing to a String cannot fail.
            let _ = match part {
                Part::Text(t) => buf.write_str(t),
                Part::RequestNumber => write!(buf, "{}", vars.k + 1),
                Part::WorkerId => buf.write_str(vars.worker_id),
                Part::Timestamp => buf.write_str(&crate::report::rfc3339(SystemTime::now())),
                Part::UnixSeconds => write!(buf, "{}", now().as_secs()),
                Part::UnixMillis => write!(buf, "{}", now().as_millis()),
                Part::UnixNanos => write!(buf, "{}", now().as_nanos()),
            };
        }
    }
}

/// The request metadata of a run: fixed entries, cloned into each call, and
/// templated ones, rendered per call.
#[derive(Debug, Clone, Default)]
pub struct MetadataPlan {
    /// Entries that are the same for every call.
    pub fixed: MetadataMap,
    /// Entries with per-call placeholders.
    pub per_call: Vec<(AsciiMetadataKey, Template)>,
}

impl MetadataPlan {
    /// Parses every value; unsupported placeholders are reported to `warn`
    /// and the value is sent literally.
    pub fn build(
        pairs: &BTreeMap<String, String>,
        method: &MethodDescriptor,
        warn: &mut dyn FnMut(String),
    ) -> Result<MetadataPlan, SchemaError> {
        let mut plan = MetadataPlan::default();
        for (k, v) in pairs {
            let err = |detail: String| SchemaError::Metadata {
                key: k.clone(),
                detail,
            };
            let key = AsciiMetadataKey::from_bytes(k.to_ascii_lowercase().as_bytes())
                .map_err(|e| err(e.to_string()))?;
            let fixed = match Template::parse(v, method) {
                Ok(t) => match t.as_static() {
                    Some(value) => value,
                    None => {
                        plan.per_call.push((key, t));
                        continue;
                    }
                },
                Err(placeholder) => {
                    warn(format!(
                        "metadata {k:?}: template {placeholder} is not supported; sent literally"
                    ));
                    v.clone()
                }
            };
            let value = MetadataValue::try_from(fixed.as_str()).map_err(|e| err(e.to_string()))?;
            plan.fixed.insert(key, value);
        }
        Ok(plan)
    }

    /// True when there is no metadata at all.
    pub fn is_empty(&self) -> bool {
        self.fixed.is_empty() && self.per_call.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn method() -> MethodDescriptor {
        let pool = crate::schema::builtin_pool().expect("builtin descriptors");
        crate::schema::find_method(&pool, "textstance.v1.TextService", "AnalyzeText")
            .expect("method")
    }

    #[test]
    fn renders_ghz_placeholders() {
        let m = method();
        let cases = [
            ("plain", 0, "plain"),
            ("ghz-{{.RequestNumber}}", 0, "ghz-1"),
            ("ghz-{{ .RequestNumber }}-x", 41, "ghz-42-x"),
            ("{{.WorkerID}}/{{.RequestNumber}}", 9, "g3c1/10"),
            (
                "{{.MethodName}} {{.ServiceName}} {{.InputName}}",
                0,
                "AnalyzeText TextService AnalyzeTextRequest",
            ),
            (
                "{{.FullyQualifiedName}}",
                0,
                "textstance.v1.TextService.AnalyzeText",
            ),
            ("{{.IsClientStreaming}}", 0, "false"),
        ];
        let mut buf = String::new();
        for (value, k, want) in cases {
            let t = Template::parse(value, &m).expect(value);
            t.render(
                CallVars {
                    k,
                    worker_id: "g3c1",
                },
                &mut buf,
            );
            assert_eq!(buf, want, "{value}");
        }
    }

    #[test]
    fn static_values_need_no_rendering() {
        let m = method();
        let t = Template::parse("a {{.MethodName}}", &m).expect("fixed");
        assert_eq!(t.as_static().as_deref(), Some("a AnalyzeText"));
        assert_eq!(
            Template::parse("{{.RequestNumber}}", &m)
                .expect("dynamic")
                .as_static(),
            None
        );
    }

    #[test]
    fn plans_fixed_and_per_call_metadata() {
        let m = method();
        let mut pairs = BTreeMap::new();
        pairs.insert(
            "x-request-id".to_owned(),
            "ghz-{{.RequestNumber}}".to_owned(),
        );
        pairs.insert("X-Tenant".to_owned(), "news".to_owned());
        pairs.insert("x-trace".to_owned(), "{{.UUID}}".to_owned());
        let mut warnings = Vec::new();
        let plan = MetadataPlan::build(&pairs, &m, &mut |w| warnings.push(w)).expect("valid");
        assert_eq!(plan.per_call.len(), 1);
        assert_eq!(
            plan.fixed.get("x-tenant").and_then(|v| v.to_str().ok()),
            Some("news")
        );
        assert_eq!(
            plan.fixed.get("x-trace").and_then(|v| v.to_str().ok()),
            Some("{{.UUID}}")
        );
        assert_eq!(warnings.len(), 1, "{warnings:?}");
    }

    #[test]
    fn rejects_what_it_does_not_know() {
        let m = method();
        for value in ["{{.UUID}}", "{{ randomString 8 }}", "open {{.RequestNumber"] {
            assert!(Template::parse(value, &m).is_err(), "{value}");
        }
        let mut buf = String::new();
        let t = Template::parse("{{.TimestampUnixMilli}}", &m).expect("known");
        t.render(
            CallVars {
                k: 0,
                worker_id: "",
            },
            &mut buf,
        );
        assert!(buf.parse::<u64>().expect("number") > 1_700_000_000_000);
    }
}
