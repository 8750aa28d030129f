//! The log panel: one row per node, cells coloured by term, the committed prefix solid, the
//! compacted prefix as one block.

use web_sys::CanvasRenderingContext2d as Context;
use yew::prelude::*;

use super::context::use_ui;
use super::engine::Engine;
use super::palette::{Palette, term_colour};

const ROW_HEIGHT: f64 = 22.0;
const LABEL_WIDTH: f64 = 44.0;
const CELL_WIDTH: f64 = 14.0;

#[function_component(LogPanel)]
pub fn log_panel() -> Html {
    let ui = use_ui();
    let canvas_ref = ui.painter.borrow().log_canvas.clone();
    let rows = ui.engine.borrow().simulation().servers().count();
    let height = format!("height: {}px", (rows as f64 * ROW_HEIGHT + 8.0).max(60.0));
    html! {
        <canvas ref={canvas_ref} class="log-canvas" style={height} role="img"
            aria-label="Every node's log: one row per node, cells coloured by term, committed entries solid." />
    }
}

/// Draws every node's log, showing the newest entries that fit.
pub fn draw(context: &Context, engine: &Engine, width: f64, height: f64, palette: &Palette) {
    context.set_fill_style_str(palette.background);
    context.fill_rect(0.0, 0.0, width, height);
    let simulation = engine.simulation();
    let highest = simulation
        .servers()
        .filter_map(|s| s.raft.as_ref().map(|r| r.log().last_index()))
        .max()
        .unwrap_or(0);
    let fit = ((width - LABEL_WIDTH) / CELL_WIDTH).floor().max(1.0) as u64;
    let first_shown = highest.saturating_sub(fit - 1).max(1);
    context.set_font("11px system-ui, sans-serif");
    context.set_text_align("left");
    for (row, server) in simulation.servers().enumerate() {
        let y = 4.0 + row as f64 * ROW_HEIGHT;
        context.set_fill_style_str(palette.text);
        let _ = context.fill_text(&format!("S{}", server.id), 6.0, y + 14.0);
        let Some(raft) = server.raft.as_ref() else {
            continue;
        };
        for entry in raft
            .log()
            .entries()
            .iter()
            .filter(|entry| entry.index >= first_shown)
        {
            let x = LABEL_WIDTH + (entry.index - first_shown) as f64 * CELL_WIDTH;
            context.set_fill_style_str(&term_colour(entry.term));
            context.set_global_alpha(if entry.index <= raft.commit_index() {
                1.0
            } else {
                0.4
            });
            context.fill_rect(x, y + 2.0, CELL_WIDTH - 2.0, ROW_HEIGHT - 6.0);
        }
        context.set_global_alpha(1.0);
    }
}
