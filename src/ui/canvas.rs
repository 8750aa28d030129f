//! The cluster canvas: click a node or a message to inspect it; drag a node across the centre
//! line to split the cluster into two groups (a partition).

use web_sys::{HtmlCanvasElement, PointerEvent};
use yew::prelude::*;

use super::context::use_ui;
use super::draw::Hit;
use super::engine::{Selection, ViewMode};
use crate::raft::NodeId;
use crate::scenario::Action;

#[function_component(ClusterCanvas)]
pub fn cluster_canvas() -> Html {
    let ui = use_ui();
    let canvas_ref = ui.painter.borrow().cluster_canvas.clone();
    {
        let ui = ui.clone();
        // Repaint after every render: the run or the selection changed.
        use_effect(move || {
            let engine = ui.engine.borrow();
            ui.painter.borrow_mut().paint(&engine);
        });
    }
    let pointer_down = {
        let ui = ui.clone();
        Callback::from(move |event: PointerEvent| {
            let (x, y) = local(&event);
            let hit = ui.painter.borrow().hit(x, y);
            match hit {
                // Only the ring is dragged apart into a partition.
                Some(Hit::Node(id)) if ui.painter.borrow().view_mode == ViewMode::SpaceTime => {
                    ui.select(Selection::Node(id))
                }
                Some(Hit::Node(id)) => {
                    let mut painter = ui.painter.borrow_mut();
                    painter.drag_origin_x = painter
                        .layout
                        .nodes
                        .get(&id)
                        .map_or(x, |&(origin, _)| origin);
                    painter.drag = Some((id, x, y));
                    drop(painter);
                    ui.select(Selection::Node(id));
                }
                Some(Hit::Message(id)) => ui.select(Selection::Message(id)),
                None => ui.select(Selection::Nothing),
            }
        })
    };
    let pointer_move = {
        let ui = ui.clone();
        Callback::from(move |event: PointerEvent| {
            let mut painter = ui.painter.borrow_mut();
            if let Some((id, _, _)) = painter.drag {
                let (x, y) = local(&event);
                painter.drag = Some((id, x, y));
                let engine = ui.engine.borrow();
                painter.paint(&engine);
            }
        })
    };
    let pointer_up = {
        let ui = ui.clone();
        Callback::from(move |event: PointerEvent| {
            let drag = ui.painter.borrow_mut().drag.take();
            let Some((id, x, _)) = drag else { return };
            let _ = event;
            let start_x = ui.painter.borrow().drag_origin_x;
            let center = ui.painter.borrow().layout.center.0;
            let crossed = (start_x < center) != (x < center) && (x - start_x).abs() > 20.0;
            if crossed {
                let groups = split_groups(&ui, id, x < center);
                ui.act(Action::Partition { groups });
            } else {
                ui.refresh.emit(());
            }
        })
    };
    html! {
        <canvas
            ref={canvas_ref}
            class="cluster-canvas"
            role="img"
            aria-label="The cluster: nodes on a ring, messages in flight between them. Click a node or message to inspect it; drag a node across the centre line to partition the cluster."
            tabindex="0"
            onpointerdown={pointer_down}
            onpointermove={pointer_move}
            onpointerup={pointer_up}
        />
    }
}

/// Two groups from the ring's two halves, with the dragged node moved to the side it was
/// dropped on. The layout is the ring without the drag (every other node is where it was).
fn split_groups(ui: &super::context::Ui, dragged: NodeId, dropped_left: bool) -> Vec<Vec<NodeId>> {
    let painter = ui.painter.borrow();
    let center = painter.layout.center.0;
    let (mut left, mut right) = (Vec::new(), Vec::new());
    for (&id, &(x, _)) in painter.layout.nodes.iter() {
        let on_left = if id == dragged {
            dropped_left
        } else {
            x < center
        };
        if on_left {
            left.push(id)
        } else {
            right.push(id)
        }
    }
    [left, right]
        .into_iter()
        .filter(|group| !group.is_empty())
        .collect()
}

fn local(event: &PointerEvent) -> (f64, f64) {
    let Some(canvas) = event.target_dyn_into::<HtmlCanvasElement>() else {
        return (0.0, 0.0);
    };
    let rect = canvas.get_bounding_client_rect();
    (
        f64::from(event.client_x()) - rect.left(),
        f64::from(event.client_y()) - rect.top(),
    )
}
