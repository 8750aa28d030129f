//! Paints the canvases from the engine: called every animation frame while playing, and after
//! every change while paused. Painting reads the run; it never changes it.

use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};
use yew::NodeRef;

use super::draw::{self, Hit, Layout, Scene};
use super::engine::{Engine, ViewMode};
use super::palette::{Palette, Theme};
use crate::raft::NodeId;
use crate::view::ClusterView;

pub struct Painter {
    pub cluster_canvas: NodeRef,
    pub log_canvas: NodeRef,
    pub theme: Theme,
    pub reduced_motion: bool,
    /// A node being dragged to partition the cluster, and where it is.
    pub drag: Option<(NodeId, f64, f64)>,
    /// The layout of the last painted ring, for hit tests.
    pub layout: Layout,
    pub view: Option<ClusterView>,
    /// What the cluster canvas showed last, for hit tests.
    pub view_mode: ViewMode,
    /// How much the cluster canvas magnified its last drawing (`view::canvas_zoom`): pointer
    /// positions are divided by it to find what they point at.
    zoom: f64,
}

impl Painter {
    pub fn new(theme: Theme, reduced_motion: bool) -> Self {
        Painter {
            cluster_canvas: NodeRef::default(),
            log_canvas: NodeRef::default(),
            theme,
            reduced_motion,
            drag: None,
            layout: Layout::default(),
            view: None,
            view_mode: ViewMode::Ring,
            zoom: 1.0,
        }
    }

    pub fn paint(&mut self, engine: &Engine) {
        self.view_mode = engine.view_mode;
        if let Some((canvas, context)) = prepare(&self.cluster_canvas) {
            let (width, height) = css_size(&canvas);
            self.zoom = crate::view::canvas_zoom(window_size(), (width, height));
            let _ = context.scale(self.zoom, self.zoom);
            let (width, height) = (width / self.zoom, height / self.zoom);
            let palette = Palette::of(self.theme);
            match engine.view_mode {
                // The ring's view and layout serve its drawing, hit tests and drags only.
                ViewMode::Ring => {
                    let view = ClusterView::of(engine.simulation());
                    self.layout = Layout::new(&view, width, height, self.drag);
                    let scene = Scene {
                        view: &view,
                        layout: &self.layout,
                        palette,
                        selection: engine.selection,
                        reduced_motion: self.reduced_motion,
                        landing: self
                            .drag
                            .map(|(id, x, y)| (id, self.layout.landing(id, x, y))),
                    };
                    draw::draw(&context, &scene);
                    self.view = Some(view);
                }
                ViewMode::SpaceTime => super::spacetime::draw(
                    &context,
                    engine,
                    (width, height),
                    palette,
                    self.reduced_motion,
                ),
            }
        }
        if let Some((canvas, context)) = prepare(&self.log_canvas) {
            let (width, height) = css_size(&canvas);
            let zoom = crate::view::window_zoom(window_size());
            super::log_panel::draw(
                &context,
                engine,
                (width, height),
                zoom,
                Palette::of(self.theme),
            );
        }
    }

    /// A point on the cluster canvas (CSS px from its corner) in its drawing's coordinates.
    pub fn scene_point(&self, (x, y): (f64, f64)) -> (f64, f64) {
        (x / self.zoom, y / self.zoom)
    }

    /// What the last painted frame shows at (`x`, `y`), in its drawing's coordinates.
    pub fn hit(&self, x: f64, y: f64) -> Option<Hit> {
        match self.view_mode {
            ViewMode::Ring => draw::hit_test(self.view.as_ref()?, &self.layout, x, y),
            ViewMode::SpaceTime => super::spacetime::hit_test(x, y),
        }
    }
}

/// The window's inner size in CSS px (a frame's, in an embed).
pub(super) fn window_size() -> (f64, f64) {
    let Some(window) = web_sys::window() else {
        return (0.0, 0.0);
    };
    let size = |value: Result<wasm_bindgen::JsValue, _>| value.ok().and_then(|v| v.as_f64());
    (
        size(window.inner_width()).unwrap_or(0.0),
        size(window.inner_height()).unwrap_or(0.0),
    )
}

fn css_size(canvas: &HtmlCanvasElement) -> (f64, f64) {
    (
        f64::from(canvas.client_width().max(1)),
        f64::from(canvas.client_height().max(1)),
    )
}

/// Sizes the canvas's backing store to its box times the device pixel ratio (sharp on high-DPI
/// screens, following window resizes) and returns a context that draws in CSS pixels.
fn prepare(canvas_ref: &NodeRef) -> Option<(HtmlCanvasElement, CanvasRenderingContext2d)> {
    let canvas = canvas_ref.cast::<HtmlCanvasElement>()?;
    let ratio = web_sys::window()?.device_pixel_ratio().max(1.0);
    let (width, height) = css_size(&canvas);
    let backing = (
        (width * ratio).round() as u32,
        (height * ratio).round() as u32,
    );
    if (canvas.width(), canvas.height()) != backing {
        canvas.set_width(backing.0);
        canvas.set_height(backing.1);
    }
    let context: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    context
        .set_transform(ratio, 0.0, 0.0, ratio, 0.0, 0.0)
        .ok()?;
    Some((canvas, context))
}
