//! Colours for the canvases, in a light and a dark theme: the nodes' fills and the text on
//! them, the messages' colours, the log's term colours. The stylesheet's variables carry the
//! same choices for the DOM. Pure data, so it is tested natively; `ui::palette` adds the
//! remembered theme.

use crate::view::{MessageKind, NodeLook};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
}

pub struct Palette {
    pub background: &'static str,
    pub text: &'static str,
    pub muted: &'static str,
    pub ring: &'static str,
    pub timer: &'static str,
    pub selection: &'static str,
    pub violation: &'static str,
    pub blocked: &'static str,
    /// The opacity of a blocked link's dashes: faint on a light page, where red stands out,
    /// stronger on a dark one (a projector washes dark themes out).
    pub blocked_alpha: f64,
    pub success: &'static str,
    pub failure: &'static str,
    /// Text on the light node fills (and the paler roles' fills are light in both themes).
    pub node_text_on_light: &'static str,
    /// Text on the dark node fills.
    pub node_text_on_dark: &'static str,
    /// Text on a node that is down: readable, but greyer than a running node's.
    pub node_text_down: &'static str,
}

impl Palette {
    pub fn of(theme: Theme) -> &'static Palette {
        match theme {
            Theme::Light => &LIGHT,
            Theme::Dark => &DARK,
        }
    }

    /// The colour of a node's name and term, drawn on its fill: dark on the light fills, light
    /// on the dark ones, so every label reads at 4.5:1 or better (WCAG AA for normal text; the
    /// labels are 10 to 18 px). A test checks every role in both themes.
    pub fn node_label(&self, look: NodeLook) -> &'static str {
        match look {
            NodeLook::Follower => self.node_text_on_dark,
            NodeLook::Down => self.node_text_down,
            NodeLook::PreCandidate
            | NodeLook::Candidate
            | NodeLook::Leader
            | NodeLook::Learner
            | NodeLook::Paused
            | NodeLook::Removed => self.node_text_on_light,
        }
    }
}

static LIGHT: Palette = Palette {
    background: "#f8fafc",
    text: "#0f172a",
    muted: "#64748b",
    ring: "#cbd5e1",
    timer: "#0ea5e9",
    selection: "#2563eb",
    violation: "#dc2626",
    blocked: "#ef4444",
    blocked_alpha: 0.35,
    success: "#16a34a",
    failure: "#dc2626",
    node_text_on_light: "#0f172a",
    node_text_on_dark: "#ffffff",
    node_text_down: "#cbd5e1",
};

static DARK: Palette = Palette {
    background: "#0b1120",
    text: "#e2e8f0",
    muted: "#94a3b8",
    ring: "#334155",
    timer: "#38bdf8",
    selection: "#60a5fa",
    violation: "#f87171",
    blocked: "#f87171",
    blocked_alpha: 0.6,
    success: "#4ade80",
    failure: "#f87171",
    node_text_on_light: "#0b1120",
    node_text_on_dark: "#ffffff",
    node_text_down: "#cbd5e1",
};

/// A node's fill, by what it is doing. Same in both themes, chosen to read on either.
pub fn node_fill(look: NodeLook) -> &'static str {
    match look {
        NodeLook::Follower => "#64748b",
        NodeLook::PreCandidate => "#fcd34d",
        NodeLook::Candidate => "#f59e0b",
        NodeLook::Leader => "#10b981",
        NodeLook::Learner => "#a78bfa",
        NodeLook::Down => "#334155",
        NodeLook::Paused => "#93c5fd",
        NodeLook::Removed => "#cbd5e1",
    }
}

/// A message's colour, by kind. The space-time view tells kinds apart by colour alone, so the
/// colours are far apart (a test checks): the votes are warm, the clients' traffic lime.
pub fn message_colour(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::PreVote => "#fbbf24",
        MessageKind::RequestVote => "#f97316",
        MessageKind::AppendEntries => "#3b82f6",
        MessageKind::Heartbeat => "#94a3b8",
        MessageKind::InstallSnapshot => "#a855f7",
        MessageKind::TimeoutNow => "#ec4899",
        MessageKind::ReadIndex => "#14b8a6",
        MessageKind::Client => "#65a30d",
    }
}

/// Log cells are coloured by term: successive terms get well-separated hues.
pub fn term_colour(term: u64) -> &'static str {
    // The log panel asks for a colour per run of one term in every row, every frame: the 360
    // possible ones are written once.
    static COLOURS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let colours =
        COLOURS.get_or_init(|| (0..360).map(|hue| format!("hsl({hue} 62% 55%)")).collect());
    &colours[((term * 137 + 200) % 360) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `#rrggbb` as three channels from 0 to 1.
    fn channels(colour: &str) -> [f64; 3] {
        let hex = colour.strip_prefix('#').expect("a #rrggbb colour");
        assert_eq!(hex.len(), 6, "{colour} is #rrggbb");
        [0, 2, 4].map(|at| {
            let byte = u8::from_str_radix(&hex[at..at + 2], 16).expect("hex digits");
            f64::from(byte) / 255.0
        })
    }

    /// A channel without its sRGB gamma.
    fn linear(channel: f64) -> f64 {
        if channel <= 0.04045 {
            channel / 12.92
        } else {
            ((channel + 0.055) / 1.055).powf(2.4)
        }
    }

    /// WCAG 2's relative luminance.
    fn luminance(colour: &str) -> f64 {
        let [r, g, b] = channels(colour).map(linear);
        0.2126 * r + 0.7152 * g + 0.0722 * b
    }

    /// WCAG 2's contrast ratio, from 1 (none) to 21 (black on white).
    fn contrast(a: &str, b: &str) -> f64 {
        let (a, b) = (luminance(a), luminance(b));
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    #[test]
    fn contrast_is_computed_as_wcag_defines_it() {
        assert!((contrast("#000000", "#ffffff") - 21.0).abs() < 1e-9);
        assert!((contrast("#777777", "#777777") - 1.0).abs() < 1e-9);
        // WebAIM's checker gives 4.54:1 for #767676 on white.
        assert!((contrast("#767676", "#ffffff") - 4.54).abs() < 0.01);
    }

    #[test]
    fn every_node_label_reads_on_its_fill_in_both_themes() {
        // The labels are 10 to 18 px, below WCAG's "large text": normal text's 4.5:1 applies.
        let mut failures = Vec::new();
        for theme in [Theme::Light, Theme::Dark] {
            let palette = Palette::of(theme);
            for look in NodeLook::ALL {
                let (fill, text) = (node_fill(look), palette.node_label(look));
                let ratio = contrast(fill, text);
                if ratio < 4.5 {
                    failures.push(format!(
                        "{theme:?} {look:?}: {text} on {fill} is {ratio:.2}:1"
                    ));
                }
            }
        }
        assert!(failures.is_empty(), "below 4.5:1: {failures:#?}");
    }

    /// CIE L*a*b* of an sRGB colour (D65 white).
    fn lab(colour: &str) -> [f64; 3] {
        let [r, g, b] = channels(colour).map(linear);
        let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.950_47;
        let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.088_83;
        let f = |t: f64| {
            if t > 0.008_856 {
                t.cbrt()
            } else {
                7.787 * t + 16.0 / 116.0
            }
        };
        [
            116.0 * f(y) - 16.0,
            500.0 * (f(x) - f(y)),
            200.0 * (f(y) - f(z)),
        ]
    }

    #[test]
    fn message_kinds_have_colours_far_apart() {
        // The space-time view tells kinds apart by colour alone (its lines have no shapes):
        // every two kinds differ by a CIE76 distance of at least 20 (about 2 is just
        // noticeable; PreVote's amber and the clients' yellow were 5 apart).
        for (i, &a) in MessageKind::ALL.iter().enumerate() {
            for &b in &MessageKind::ALL[i + 1..] {
                let (la, lb) = (lab(message_colour(a)), lab(message_colour(b)));
                let distance = (0..3).map(|k| (la[k] - lb[k]).powi(2)).sum::<f64>().sqrt();
                assert!(distance >= 20.0, "{a:?} and {b:?} are {distance:.1} apart");
            }
        }
    }
}
