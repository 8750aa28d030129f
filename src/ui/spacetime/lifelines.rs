//! The space-time diagram's node lines: thick while a node leads, dashed while it is down,
//! tinted while paused, with what happened to it (elections, crashes, restarts, snapshots)
//! written beside it, all read from the run's trace.

use std::fmt::Write;

use super::Plot;
use crate::sim::Simulation;
use crate::sim::observe::TraceEvent;
use crate::ui::draw::{TEXT, dashed};
use crate::ui::palette::{Palette, node_fill};
use crate::view::NodeLook;

/// Per node: a thin line, thick while it leads, dashed while down, tinted while paused; and
/// what happened to it in the window, from the run's trace.
pub(super) fn draw_lifelines(plot: &Plot, simulation: &Simulation) {
    let context = plot.context;
    context.set_stroke_style_str(plot.palette.ring);
    context.set_line_width(1.0);
    context.begin_path();
    for column in 0..=plot.nodes.len() {
        let x = plot.column_x(column);
        context.move_to(x, plot.top);
        context.line_to(x, plot.bottom);
    }
    context.stroke();
    let mut lives: Vec<Life> = vec![Life::default(); plot.nodes.len()];
    context.set_font("10px system-ui, sans-serif");
    context.set_text_align("left");
    for entry in simulation.trace.entries() {
        let Some(column) = entry
            .node
            .and_then(|node| plot.nodes.binary_search(&node).ok())
        else {
            continue;
        };
        let next = lives[column].after(entry.event, entry.at_us);
        if next.state != lives[column].state && entry.at_us > plot.start_us {
            draw_life_segment(plot, column, &lives[column], entry.at_us);
        }
        if next.state != lives[column].state {
            lives[column] = next;
        }
        if entry.at_us >= plot.start_us {
            draw_event_label(plot, column, entry.event, entry.at_us);
        }
    }
    // The last stretch reflects the node as it is now (the trace is bounded).
    for (column, &look) in plot.looks.iter().enumerate() {
        let mut life = lives[column];
        life.state = LifeState::of(look);
        draw_life_segment(plot, column, &life, plot.now_us);
    }
    dashed(context, &[]);
    context.set_global_alpha(1.0);
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum LifeState {
    #[default]
    Running,
    Leading,
    Down,
    Paused,
}

impl LifeState {
    fn of(look: NodeLook) -> Self {
        match look {
            NodeLook::Leader => LifeState::Leading,
            NodeLook::Down => LifeState::Down,
            NodeLook::Paused => LifeState::Paused,
            _ => LifeState::Running,
        }
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct Life {
    state: LifeState,
    since_us: u64,
}

impl Life {
    fn after(self, event: TraceEvent, at_us: u64) -> Life {
        let state = match (event, self.state) {
            (TraceEvent::BecameLeader { .. }, _) => LifeState::Leading,
            (
                TraceEvent::SteppedDown { .. }
                | TraceEvent::BecameCandidate { .. }
                | TraceEvent::BecamePreCandidate { .. },
                LifeState::Leading,
            ) => LifeState::Running,
            (TraceEvent::Crashed, _) => LifeState::Down,
            (TraceEvent::Restarted | TraceEvent::Resumed | TraceEvent::Added, _) => {
                LifeState::Running
            }
            (TraceEvent::Paused, _) => LifeState::Paused,
            (_, state) => state,
        };
        Life {
            state,
            since_us: at_us,
        }
    }
}

fn draw_life_segment(plot: &Plot, column: usize, life: &Life, until_us: u64) {
    let context = plot.context;
    let from = plot.y_of(life.since_us.max(plot.start_us));
    let to = plot.y_of(until_us.min(plot.end_us));
    if to <= from {
        return;
    }
    let x = plot.column_x(column + 1);
    let (colour, width, alpha, dash): (&str, f64, f64, &[f64]) = match life.state {
        LifeState::Running => return,
        LifeState::Leading => (node_fill(NodeLook::Leader), 5.0, 0.55, &[]),
        LifeState::Down => (plot.palette.background, 3.0, 1.0, &[3.0, 4.0]),
        LifeState::Paused => (node_fill(NodeLook::Paused), 5.0, 0.6, &[2.0, 2.0]),
    };
    context.set_stroke_style_str(colour);
    context.set_line_width(width);
    context.set_global_alpha(alpha);
    dashed(context, dash);
    context.begin_path();
    context.move_to(x, from);
    context.line_to(x, to);
    context.stroke();
    context.set_global_alpha(1.0);
    dashed(context, &[]);
}

fn draw_event_label(plot: &Plot, column: usize, event: TraceEvent, at_us: u64) {
    let context = plot.context;
    let (x, y) = (plot.column_x(column + 1), plot.y_of(at_us));
    TEXT.with_borrow_mut(|text| {
        text.clear();
        let Some(colour) = event_label(event, plot.palette, text) else {
            return;
        };
        context.set_fill_style_str(colour);
        context.fill_rect(x - 4.0, y - 1.0, 8.0, 2.0);
        let _ = context.fill_text(text, x + 6.0, y + 3.5);
    });
}

/// What the diagram writes beside a node for a trace event, and in which colour; `None` for
/// events it does not show.
fn event_label(event: TraceEvent, palette: &Palette, text: &mut String) -> Option<&'static str> {
    let colour = match event {
        TraceEvent::BecameLeader { term } => {
            let _ = write!(text, "★ leader t{term}");
            node_fill(NodeLook::Leader)
        }
        TraceEvent::BecameCandidate { term } => {
            let _ = write!(text, "candidate t{term}");
            node_fill(NodeLook::Candidate)
        }
        TraceEvent::Crashed => {
            text.push_str("✕ crash");
            palette.failure
        }
        TraceEvent::Restarted => {
            text.push_str("↻ restart");
            palette.muted
        }
        TraceEvent::Paused => {
            text.push_str("paused");
            palette.muted
        }
        TraceEvent::Resumed => {
            text.push_str("resumed");
            palette.muted
        }
        TraceEvent::Snapshot { index } => {
            let _ = write!(text, "snapshot ≤{index}");
            palette.muted
        }
        _ => return None,
    };
    Some(colour)
}
