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
    pub success: &'static str,
    pub failure: &'static str,
    pub node_text: &'static str,
}

impl Palette {
    pub fn of(theme: Theme) -> &'static Palette {
        match theme {
            Theme::Light => &LIGHT,
            Theme::Dark => &DARK,
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
    success: "#16a34a",
    failure: "#dc2626",
    node_text: "#ffffff",
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
    success: "#4ade80",
    failure: "#f87171",
    node_text: "#0b1120",
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

/// A message's colour, by kind.
pub fn message_colour(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::PreVote => "#fbbf24",
        MessageKind::RequestVote => "#f97316",
        MessageKind::AppendEntries => "#3b82f6",
        MessageKind::Heartbeat => "#94a3b8",
        MessageKind::InstallSnapshot => "#a855f7",
        MessageKind::TimeoutNow => "#ec4899",
        MessageKind::ReadIndex => "#14b8a6",
        MessageKind::Client => "#eab308",
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
