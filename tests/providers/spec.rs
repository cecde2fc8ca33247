//! Request validation against a provider's own OpenAPI document (the files in `specs/`,
//! copied unchanged from the providers' repositories; see `specs/README.md`).
//!
//! For one request: find the operation by method and path template, check its path and
//! header parameters, its security scheme, the content type, and the body against the
//! request-body schema of that content type (`$ref`s inlined, validated by `jsonschema`,
//! formats included). Form bodies become a JSON object of strings. On top of the schema,
//! fields the schema does not declare are reported: most provider schemas leave
//! `additionalProperties` open, and a misspelt optional field (`replyTo` for `reply_to`)
//! would otherwise pass here and be silently ignored by the real service.

use std::sync::OnceLock;

use base64::prelude::{BASE64_STANDARD, Engine};
use jsonschema::Draft;
use reqwest::header::HeaderMap;
use serde_json::{Map, Value};

pub struct Spec {
    pub name: &'static str,
    doc: Value,
    draft: Draft,
}

fn load(name: &'static str, file: &str) -> Spec {
    let path = format!("{}/tests/providers/specs/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    let doc: Value = if file.ends_with(".json") {
        serde_json::from_str(&text).expect("spec JSON")
    } else {
        serde_yaml::from_str(&text).expect("spec YAML")
    };
    let version = doc["openapi"].as_str().expect("an OpenAPI document").to_owned();
    // OpenAPI 3.1 schemas are JSON Schema 2020-12; 3.0 schemas are a draft-4 dialect.
    let draft = if version.starts_with("3.1") { Draft::Draft202012 } else { Draft::Draft4 };
    Spec { name, doc, draft }
}

pub fn resend() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| load("resend", "resend.yaml"))
}

pub fn sendgrid() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| load("sendgrid", "sendgrid_mail_v3.json"))
}

pub fn twilio() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| load("twilio", "twilio_api_v2010.yaml"))
}

/// A request as the mock received it.
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// An operation matched by method and path template.
struct Operation {
    template: String,
    path_item: Value,
    op: Value,
    path_params: Vec<(String, String)>,
    /// Literal (non-template) segments: the more, the better the match.
    literal: usize,
}

/// What validation found: the violations, and the body as JSON (for the mock to read).
pub struct Checked {
    pub violations: Vec<String>,
    pub body: Value,
}

impl Spec {
    pub fn validate(&self, req: &Request<'_>) -> Checked {
        let mut v = Vec::new();
        let body = parse_body(req, &mut v);
        let Some(found) = self.operation(req.method, req.path) else {
            v.push(format!("{}: no operation {} {} in the spec", self.name, req.method, req.path));
            return Checked { violations: v, body };
        };
        let op = self.resolve(&found.op);
        self.check_parameters(&found, &op, req, &mut v);
        self.check_security(&op, req.headers, &mut v);
        self.check_body(&op, req, &body, &mut v);
        Checked { violations: v, body }
    }

    /// The operation whose path template matches, preferring the most literal template.
    fn operation(&self, method: &str, path: &str) -> Option<Operation> {
        let method = method.to_ascii_lowercase();
        let mut best: Option<Operation> = None;
        for (template, item) in self.doc["paths"].as_object()? {
            let Some(op) = item.get(&method) else { continue };
            let Some((literal, params)) = match_template(template, path) else { continue };
            if best.as_ref().is_none_or(|b| literal > b.literal) {
                best = Some(Operation {
                    template: template.clone(),
                    path_item: item.clone(),
                    op: op.clone(),
                    path_params: params,
                    literal,
                });
            }
        }
        best
    }

    fn check_parameters(&self, found: &Operation, op: &Value, req: &Request<'_>, v: &mut Vec<String>) {
        let (template, path_item, path_params) = (&found.template, &found.path_item, &found.path_params);
        let mut params: Vec<Value> = Vec::new();
        for list in [path_item.get("parameters"), op.get("parameters")].into_iter().flatten() {
            for p in list.as_array().into_iter().flatten() {
                let p = self.resolve(p);
                params.retain(|q| q["name"] != p["name"] || q["in"] != p["in"]);
                params.push(p);
            }
        }
        for p in &params {
            let name = p["name"].as_str().unwrap_or_default();
            let required = p["required"].as_bool().unwrap_or(false);
            let value = match p["in"].as_str() {
                Some("path") => path_params.iter().find(|(n, _)| n == name).map(|(_, value)| value.clone()),
                Some("header") => req.headers.get(name).map(|h| h.to_str().unwrap_or("\u{fffd}").to_owned()),
                Some("query") => None,
                _ => continue,
            };
            match value {
                None if required => v.push(format!("{}: {template}: required parameter {name} is missing", self.name)),
                None => {}
                Some(value) => {
                    if let Some(schema) = p.get("schema") {
                        let schema = self.resolve(schema);
                        // Parameters are strings on the wire; only string schemas are checked.
                        if schema.get("type").is_none_or(|t| t == "string") {
                            self.check_schema(&schema, &Value::String(value), &format!("parameter {name}"), v);
                        }
                    }
                }
            }
        }
    }

    fn check_security(&self, op: &Value, headers: &HeaderMap, v: &mut Vec<String>) {
        let requirements = op.get("security").or_else(|| self.doc.get("security"));
        let Some(requirements) = requirements.and_then(Value::as_array) else { return };
        if requirements.is_empty() {
            return;
        }
        let satisfied = requirements.iter().any(|req| {
            req.as_object().is_some_and(|schemes| {
                schemes.keys().all(|name| {
                    let scheme = self.resolve(&self.doc["components"]["securitySchemes"][name]);
                    scheme_satisfied(&scheme, headers)
                })
            })
        });
        if !satisfied {
            v.push(format!("{}: no security requirement of the operation is met (authorization header)", self.name));
        }
    }

    fn check_body(&self, op: &Value, req: &Request<'_>, body: &Value, v: &mut Vec<String>) {
        let Some(request_body) = op.get("requestBody").map(|b| self.resolve(b)) else {
            if !req.body.is_empty() {
                v.push(format!("{}: the operation takes no body", self.name));
            }
            return;
        };
        let content_type = content_type(req.headers);
        let Some(media) = request_body["content"].get(&content_type) else {
            let accepted: Vec<&String> =
                request_body["content"].as_object().map(|m| m.keys().collect()).unwrap_or_default();
            v.push(format!("{}: content type {content_type:?} is not one of {accepted:?}", self.name));
            return;
        };
        if req.body.is_empty() && request_body["required"].as_bool().unwrap_or(false) {
            v.push(format!("{}: the request body is required", self.name));
        }
        let Some(schema) = media.get("schema") else { return };
        let schema = self.resolve(schema);
        self.check_schema(&schema, body, "body", v);
        undeclared_fields(&schema, body, "body", &mut |path| {
            v.push(format!("{}: {path} is not a field the spec declares", self.name));
        });
    }

    fn check_schema(&self, schema: &Value, instance: &Value, what: &str, v: &mut Vec<String>) {
        let validator = jsonschema::options()
            .with_draft(self.draft)
            .should_validate_formats(true)
            .with_format("phone-number", is_e164)
            .build(schema);
        match validator {
            Err(e) => v.push(format!("{}: the {what} schema does not compile: {e}", self.name)),
            Ok(validator) => {
                for error in validator.iter_errors(instance) {
                    let mut text = error.to_string();
                    text.truncate(300);
                    v.push(format!("{}: {what} at {:?}: {text}", self.name, error.instance_path.to_string()));
                }
            }
        }
    }

    /// `value` with every local `$ref` inlined (siblings of a `$ref` kept where the target
    /// does not set them). Deep recursion is cut off by accepting anything below it.
    pub fn resolve(&self, value: &Value) -> Value {
        self.resolve_at(value, 0)
    }

    fn resolve_at(&self, value: &Value, depth: usize) -> Value {
        if depth > 40 {
            return Value::Bool(true);
        }
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    let target = r
                        .strip_prefix('#')
                        .and_then(|pointer| self.doc.pointer(pointer))
                        .unwrap_or_else(|| panic!("{}: unresolvable $ref {r}", self.name));
                    let mut resolved = self.resolve_at(target, depth + 1);
                    if let Value::Object(out) = &mut resolved {
                        for (k, sibling) in map {
                            if k != "$ref" && !out.contains_key(k) {
                                out.insert(k.clone(), self.resolve_at(sibling, depth + 1));
                            }
                        }
                    }
                    return resolved;
                }
                Value::Object(map.iter().map(|(k, v)| (k.clone(), self.resolve_at(v, depth + 1))).collect())
            }
            Value::Array(items) => Value::Array(items.iter().map(|v| self.resolve_at(v, depth + 1)).collect()),
            other => other.clone(),
        }
    }
}

/// Template segments match path segments; `{x}` (alone or inside a segment, as in
/// `{Sid}.json`) matches one non-empty segment part. Returns the number of literal
/// segments and the parameters.
fn match_template(template: &str, path: &str) -> Option<(usize, Vec<(String, String)>)> {
    let t: Vec<&str> = template.trim_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_matches('/').split('/').collect();
    if t.len() != p.len() {
        return None;
    }
    let (mut literal, mut params) = (0, Vec::new());
    for (ts, ps) in t.iter().zip(&p) {
        match (ts.find('{'), ts.find('}')) {
            (Some(open), Some(close)) if open < close => {
                let (prefix, suffix) = (&ts[..open], &ts[close + 1..]);
                let value = ps.strip_prefix(prefix)?.strip_suffix(suffix)?;
                if value.is_empty() {
                    return None;
                }
                params.push((ts[open + 1..close].to_owned(), percent_decode(value)));
            }
            _ if ts == ps => literal += 1,
            _ => return None,
        }
    }
    Some((literal, params))
}

fn scheme_satisfied(scheme: &Value, headers: &HeaderMap) -> bool {
    let authorization = headers.get("authorization").and_then(|h| h.to_str().ok()).unwrap_or("");
    match (scheme["type"].as_str(), scheme["scheme"].as_str().map(str::to_ascii_lowercase).as_deref()) {
        (Some("http"), Some("bearer")) => {
            authorization.strip_prefix("Bearer ").is_some_and(|token| !token.trim().is_empty())
        }
        (Some("http"), Some("basic")) => basic_credentials(headers).is_some(),
        (Some("apiKey"), _) if scheme["in"] == "header" => {
            scheme["name"].as_str().is_some_and(|name| headers.get(name).is_some())
        }
        _ => false,
    }
}

/// `(user, password)` of a `Basic` authorization header.
pub fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let decoded = BASE64_STANDARD.decode(value.strip_prefix("Basic ")?).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// The media type of the request, without parameters, lowercase.
pub fn content_type(headers: &HeaderMap) -> String {
    let value = headers.get("content-type").and_then(|h| h.to_str().ok()).unwrap_or("");
    value.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// The body as JSON: parsed JSON, or a form as an object of strings (a repeated key
/// becomes an array of strings). An unreadable body is a violation.
pub fn parse_body(req: &Request<'_>, v: &mut Vec<String>) -> Value {
    match content_type(req.headers).as_str() {
        "application/json" => serde_json::from_slice(req.body).unwrap_or_else(|e| {
            v.push(format!("the body is not JSON: {e}"));
            Value::Null
        }),
        "application/x-www-form-urlencoded" => {
            let text = std::str::from_utf8(req.body).unwrap_or_else(|_| {
                v.push("the form body is not UTF-8".to_owned());
                ""
            });
            form_to_json(text)
        }
        other => {
            v.push(format!("unexpected content type {other:?}"));
            Value::Null
        }
    }
}

pub fn form_to_json(text: &str) -> Value {
    let mut out = Map::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (k, val) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, val) = (percent_decode(&k.replace('+', " ")), percent_decode(&val.replace('+', " ")));
        match out.get_mut(&k) {
            None => {
                out.insert(k, Value::String(val));
            }
            Some(Value::Array(items)) => items.push(Value::String(val)),
            Some(first) => {
                let first = first.take();
                out.insert(k, Value::Array(vec![first, Value::String(val)]));
            }
        }
    }
    Value::Object(out)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Object fields the schema does not declare (where it lists `properties` and says
/// nothing of `additionalProperties`), walking `properties` and `items`.
fn undeclared_fields(schema: &Value, instance: &Value, path: &str, report: &mut dyn FnMut(String)) {
    if let (Some(props), Some(obj)) = (schema.get("properties").and_then(Value::as_object), instance.as_object()) {
        for (k, value) in obj {
            match props.get(k) {
                Some(s) => undeclared_fields(s, value, &format!("{path}.{k}"), report),
                None if schema.get("additionalProperties").is_none() => report(format!("{path}.{k}")),
                None => {}
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), instance.as_array()) {
        for (i, value) in arr.iter().enumerate() {
            undeclared_fields(items, value, &format!("{path}[{i}]"), report);
        }
    }
}

/// E.164: `+`, then 2 to 15 digits, the first not 0.
pub fn is_e164(s: &str) -> bool {
    let Some(digits) = s.strip_prefix('+') else { return false };
    (2..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0')
}
