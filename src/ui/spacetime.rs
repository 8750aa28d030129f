//! The space-time (Lamport) diagram: a vertical line per node, time flowing down, each recent
//! message a line from its send to its arrival.

use web_sys::CanvasRenderingContext2d as Context;

use super::engine::Engine;
use super::palette::{Palette, message_colour};
use crate::sim::network::Endpoint;
use crate::view::ClusterView;

/// How much recent virtual time the diagram shows.
const WINDOW_US: u64 = 400_000;

pub fn draw(context: &Context, engine: &Engine, width: f64, height: f64, palette: &Palette) {
    context.set_fill_style_str(palette.background);
    context.fill_rect(0.0, 0.0, width, height);
    let view = ClusterView::of(engine.simulation());
    let columns = view.nodes.len().max(1) as f64;
    let x_of = |endpoint: Endpoint| match endpoint {
        Endpoint::Node(id) => view
            .nodes
            .iter()
            .position(|n| n.id == id)
            .map_or(width / 2.0, |i| (i as f64 + 0.5) * width / columns),
        Endpoint::Client(_) => 8.0,
    };
    let now = view.now_us;
    let y_of = |at: u64| {
        24.0 + (height - 32.0) * (1.0 - (now.saturating_sub(at) as f64 / WINDOW_US as f64).min(1.0))
    };
    context.set_stroke_style_str(palette.ring);
    context.set_fill_style_str(palette.text);
    context.set_font("12px system-ui, sans-serif");
    context.set_text_align("center");
    for node in &view.nodes {
        let x = x_of(Endpoint::Node(node.id));
        let _ = context.fill_text(&format!("S{}", node.id), x, 16.0);
        context.begin_path();
        context.move_to(x, 22.0);
        context.line_to(x, height - 8.0);
        context.stroke();
    }
    for message in &view.messages {
        context.set_stroke_style_str(message_colour(message.kind));
        context.begin_path();
        context.move_to(x_of(message.from), y_of(message.sent_us));
        let end = message.sent_us
            + ((message.arrive_us - message.sent_us) as f64 * message.progress) as u64;
        context.line_to(
            x_of(message.from) + (x_of(message.to) - x_of(message.from)) * message.progress,
            y_of(end),
        );
        context.stroke();
    }
}
