//! The link form: a scenario in a URL fragment, `#s=<payload>`.
//!
//! The payload is URL-safe base64 without padding of one version byte followed by a zlib
//! stream (deflate with a two-byte header and an Adler-32 checksum, so a link altered in
//! transit is caught instead of decoding into a different run) of the postcard encoding of
//! that version's wire struct (`wire_v1.rs`, `wire_v2.rs`). The version byte comes first and
//! outside the compression, so a later version can change everything after it and still read
//! the earlier ones.
//!
//! Decoding is bounded at every step: the text's length before anything else, the inflated
//! size (no decompression bomb), postcard reads from that bounded buffer only, and every list
//! keeps at most its limit's worth of items (`bounded.rs`), so a small link cannot decode into
//! a large allocation. Decoded scenarios then go through the same validation as JSON.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD_INDIFFERENT;
use miniz_oxide::inflate::TINFLStatus;
use miniz_oxide::inflate::core::{DecompressorOxide, decompress, inflate_flags};

use super::validate::quoted;
use super::{Scenario, ScenarioError, wire_v1, wire_v2};

/// The newest version byte this version reads and writes.
pub const LINK_VERSION: u8 = 2;
/// Longer payloads are refused before decoding.
pub const MAX_LINK_PAYLOAD_CHARS: usize = 16 * 1024;
/// The most a payload may inflate to: above the largest valid scenario's encoding (about
/// 6.3 MB: 10,000 compare-and-set actions with the longest keys and values, and a full
/// restore), and small enough for a browser tab to hold for a moment.
pub const MAX_WIRE_BYTES: usize = 8 << 20;
/// Room for the page's address in front of the payload.
const MAX_LINK_CHARS: usize = MAX_LINK_PAYLOAD_CHARS + 4096;
/// A version byte up to this far above `LINK_VERSION` may come from a newer Raft Playground;
/// one further above means the text is not a link at all (a word that happens to decode, or
/// a mistyped link).
const NEWER_VERSIONS_IMAGINED: u8 = 3;
/// Links are made once and read many times: compress as hard as miniz can.
const COMPRESSION_LEVEL: u8 = 10;

/// Encodes in the oldest version that holds the scenario: one that ends on a whole millisecond
/// gets exactly the link version 1 wrote (which pages knowing only version 1 still read).
pub(super) fn encode(scenario: &Scenario) -> String {
    let (version, wire) = match scenario.events_in_last_ms {
        None => (1, postcard::to_allocvec(&wire_v1::to_wire(scenario))),
        Some(_) => (2, postcard::to_allocvec(&wire_v2::to_wire(scenario))),
    };
    // Postcard's error as it reads (`{error}`), not its variant's name (`expect`'s `{:?}`):
    // its `Debug` would be wasm the page carries for this message alone.
    let wire = wire.unwrap_or_else(|error| {
        panic!(
            "postcard encodes the wire structs (no unknown-length sequences) into a Vec: {error}"
        )
    });
    let mut bytes = vec![version];
    bytes.extend(miniz_oxide::deflate::compress_to_vec_zlib(
        &wire,
        COMPRESSION_LEVEL,
    ));
    URL_SAFE_NO_PAD_INDIFFERENT.encode(bytes)
}

/// Why a link with this payload is refused, if it is too long: a timeline of many long
/// actions outgrows what a link holds (the scenario's JSON holds it). A link is made whatever
/// its length, so the page and `raft-sim link` ask this to say so.
pub fn too_long(payload: &str) -> Option<String> {
    (payload.len() > MAX_LINK_PAYLOAD_CHARS).then(|| {
        format!(
            "the scenario part is too long ({} characters; the limit is {MAX_LINK_PAYLOAD_CHARS})",
            payload.len()
        )
    })
}

pub(super) fn decode(text: &str) -> Result<Scenario, ScenarioError> {
    if text.len() > MAX_LINK_CHARS {
        let problem = format!(
            "too long ({} characters; a link is at most {MAX_LINK_CHARS})",
            text.len()
        );
        return Err(ScenarioError::link(problem));
    }
    let text = unescape(text);
    let payload = payload_of(text.trim())?;
    if payload.is_empty() {
        return Err(ScenarioError::link("empty: there is no scenario in it"));
    }
    if let Some(problem) = too_long(payload) {
        return Err(ScenarioError::link(problem));
    }
    let bytes = URL_SAFE_NO_PAD_INDIFFERENT
        .decode(payload)
        .map_err(|error| ScenarioError::link(base64_problem(error, payload)))?;
    let Some((&version, body)) = bytes.split_first() else {
        return Err(ScenarioError::link("empty: there is no scenario in it"));
    };
    match version {
        1 => wire_v1::from_wire(decode_body(body)?).map_err(ScenarioError::in_link),
        2 => wire_v2::from_wire(decode_body(body)?).map_err(ScenarioError::in_link),
        // Versions start at 1: a 0 was never one.
        _ if version == 0 || version > LINK_VERSION + NEWER_VERSIONS_IMAGINED => {
            let problem = format!(
                "not a scenario link: it starts with byte {version}, which is no link version; was it altered?"
            );
            Err(ScenarioError::link(problem))
        }
        _ => {
            let problem = format!(
                "version {version} is not supported (this version reads link versions 1 to \
                 {LINK_VERSION}); was it made by a newer Raft Playground?"
            );
            Err(ScenarioError::link(problem))
        }
    }
}

/// `text` with its percent-escapes of ASCII characters undone, as a chat or mail program may
/// have escaped a link (`%2D` for `-`, `%20` for a trailing space); the address bar undoes them
/// too, so a link opens the same way pasted there, given to `load()` or to `raft-sim run`.
fn unescape(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('%') {
        return text.into();
    }
    let mut unescaped = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(character) = chars.next() {
        let rest = chars.as_str().as_bytes();
        let hex = |at: usize| rest.get(at).and_then(|&byte| char::from(byte).to_digit(16));
        match (character, hex(0), hex(1)) {
            // An ASCII character: its first hex digit is below 8.
            ('%', Some(high), Some(low)) if high < 8 => {
                unescaped.push(char::from((high * 16 + low) as u8));
                chars.nth(1); // The two hex digits.
            }
            _ => unescaped.push(character),
        }
    }
    unescaped.into()
}

/// The payload inside a full link, a fragment (`#s=...`), `s=...`, or a bare payload. The
/// fragment may hold other `&`-separated parameters.
fn payload_of(text: &str) -> Result<&str, ScenarioError> {
    let (fragment, is_url) = match text.split_once('#') {
        Some((_, fragment)) => (fragment, true),
        None => (text, text.contains("://") || text.contains('?')),
    };
    let parameter = fragment
        .split('&')
        .find_map(|parameter| parameter.strip_prefix("s="));
    match parameter {
        Some(payload) => Ok(payload),
        None if is_url => Err(ScenarioError::link(
            "no scenario in it (expected \"#s=\" followed by the scenario)",
        )),
        None => Ok(fragment),
    }
}

/// Inflates `body` and decodes the wire struct of its version, which must fill it.
fn decode_body<Wire: serde::de::DeserializeOwned>(body: &[u8]) -> Result<Wire, ScenarioError> {
    let wire_bytes = inflate_whole(body).map_err(ScenarioError::link)?;
    let (wire, rest) = postcard::take_from_bytes::<Wire>(&wire_bytes)
        .map_err(|error| ScenarioError::link(postcard_problem(&error)))?;
    if !rest.is_empty() {
        let problem = format!(
            "corrupt: {} unexpected bytes after the scenario",
            rest.len()
        );
        return Err(ScenarioError::link(problem));
    }
    Ok(wire)
}

fn base64_problem(error: base64::DecodeError, payload: &str) -> String {
    use base64::DecodeError;
    match error {
        DecodeError::InvalidByte(offset, byte) => {
            let shown = match payload.get(offset..).and_then(|rest| rest.chars().next()) {
                Some(character) => quoted(&character.to_string()),
                None => format!("byte {byte:#04x}"),
            };
            format!(
                "{shown} at position {offset} is not a link character (letters, digits, '-' and '_'); was the link altered?"
            )
        }
        DecodeError::InvalidLength(_) => format!(
            "its length ({} characters) is impossible: it was probably cut short",
            payload.len()
        ),
        DecodeError::InvalidLastSymbol { symbol, .. } => format!(
            "it is not a whole link: it was probably cut short or altered (its last character, {}, cannot end one)",
            quoted(&char::from(symbol).to_string())
        ),
        DecodeError::InvalidPadding => "bad padding ('=') at the end".into(),
    }
}

/// Inflates `body`, a zlib stream that must fill it to the last byte: characters appended to a
/// link decode to bytes after the stream's checksum, and a link that carries more than its
/// scenario was altered, however well its scenario decodes. (miniz's `decompress_to_vec_*`
/// stop at the stream's end and drop what follows, so this drives its decompressor itself.)
fn inflate_whole(body: &[u8]) -> Result<Vec<u8>, String> {
    // The output buffer holds everything inflated so far, so back-references need no window.
    let flags = inflate_flags::TINFL_FLAG_PARSE_ZLIB_HEADER
        | inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    let mut output = vec![0; body.len().saturating_mul(4).clamp(64, MAX_WIRE_BYTES)];
    let mut decompressor = Box::<DecompressorOxide>::default();
    let (mut input, mut written) = (body, 0);
    loop {
        let (status, read, wrote) =
            decompress(&mut decompressor, input, &mut output, written, flags);
        input = input.get(read..).unwrap_or_default();
        written += wrote;
        match status {
            TINFLStatus::Done if input.is_empty() => {
                output.truncate(written);
                return Ok(output);
            }
            TINFLStatus::Done => {
                return Err(format!(
                    "altered: {} unexpected bytes follow the compressed scenario (were characters added to the end?)",
                    input.len()
                ));
            }
            TINFLStatus::HasMoreOutput if output.len() < MAX_WIRE_BYTES => {
                output.resize(output.len().saturating_mul(2).min(MAX_WIRE_BYTES), 0);
            }
            status => return Err(inflate_problem(status)),
        }
    }
}

fn inflate_problem(status: TINFLStatus) -> String {
    match status {
        TINFLStatus::HasMoreOutput => format!(
            "the scenario expands to more than {MAX_WIRE_BYTES} bytes (the limit); refusing to decompress it"
        ),
        TINFLStatus::FailedCannotMakeProgress | TINFLStatus::NeedsMoreInput => {
            "the compressed scenario ends too soon: the link was probably cut short".into()
        }
        TINFLStatus::Adler32Mismatch => {
            "checksum mismatch: the link was altered or damaged in transit".into()
        }
        _ => "corrupt: the compressed scenario cannot be decompressed".into(),
    }
}

fn postcard_problem(error: &postcard::Error) -> String {
    use postcard::Error;
    match error {
        Error::DeserializeUnexpectedEnd => "corrupt: the scenario data ends too soon".into(),
        Error::SerdeDeCustom | Error::DeserializeBadEnum => {
            "corrupt, or made by a newer version: an action or setting has an unknown tag".into()
        }
        Error::DeserializeBadVarint => "corrupt: a number in the scenario is malformed".into(),
        Error::DeserializeBadUtf8 | Error::DeserializeBadChar => {
            "corrupt: a text in the scenario is not valid UTF-8".into()
        }
        Error::DeserializeBadBool | Error::DeserializeBadOption => {
            "corrupt: a yes-or-no mark in the scenario is neither".into()
        }
        // The decoder's own words ("Found an Option discriminant…") mean nothing to a reader.
        _ => "corrupt: the scenario data is malformed".into(),
    }
}
