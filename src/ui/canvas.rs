//! The cluster canvas: a `<canvas>` that fills its box, sharp on high-DPI screens, redrawn when
//! the window resizes.

use gloo::events::EventListener;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};
use yew::prelude::*;

#[function_component(ClusterCanvas)]
pub fn cluster_canvas() -> Html {
    let canvas_ref = use_node_ref();
    {
        let canvas_ref = canvas_ref.clone();
        use_effect_with((), move |_| {
            draw(&canvas_ref);
            let window = web_sys::window().expect("a page always has a window");
            let listener = EventListener::new(&window, "resize", move |_| draw(&canvas_ref));
            // Dropping the listener on unmount removes it.
            move || drop(listener)
        });
    }
    html! {
        <canvas ref={canvas_ref} class="cluster-canvas" aria-label="cluster view" role="img" />
    }
}

fn draw(canvas_ref: &NodeRef) {
    let Some(canvas) = canvas_ref.cast::<HtmlCanvasElement>() else {
        return;
    };
    let Some(context) = fit_to_box(&canvas) else {
        return;
    };
    let width = canvas.client_width() as f64;
    let height = canvas.client_height() as f64;
    context.set_fill_style_str("#0f172a");
    context.fill_rect(0.0, 0.0, width, height);
    context.set_stroke_style_str("#1e293b");
    context.set_line_width(1.0);
    let spacing = 32.0;
    let mut x = spacing;
    while x < width {
        context.begin_path();
        context.move_to(x, 0.0);
        context.line_to(x, height);
        context.stroke();
        x += spacing;
    }
}

/// Sizes the canvas's backing store to its on-screen box times the device pixel ratio, and
/// scales the context so drawing code works in CSS pixels.
fn fit_to_box(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    let ratio = web_sys::window()?.device_pixel_ratio().max(1.0);
    let width = canvas.client_width().max(1) as f64;
    let height = canvas.client_height().max(1) as f64;
    canvas.set_width((width * ratio).round() as u32);
    canvas.set_height((height * ratio).round() as u32);
    let context: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    context
        .set_transform(ratio, 0.0, 0.0, ratio, 0.0, 0.0)
        .ok()?;
    Some(context)
}
