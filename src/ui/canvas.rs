//! The cluster canvas: click a node or a message to inspect it; drag a node onto another to
//! put it in that node's group, or into open space to cut it off (a partition). Drags add up.

use web_sys::{HtmlCanvasElement, PointerEvent};
use yew::prelude::*;

use super::context::use_ui;
use super::draw::{Hit, Landing};
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
            let (x, y) = ui.painter.borrow().scene_point(local(&event));
            // A drag left over from a press released elsewhere never carries into this one.
            ui.painter.borrow_mut().drag = None;
            let hit = ui.painter.borrow().hit(x, y);
            match hit {
                // Only the ring is dragged apart into a partition; a node is selected when the
                // press turns out to be a click (on release), so a drag leaves the panels be.
                Some(Hit::Node(id)) if ui.painter.borrow().view_mode == ViewMode::Ring => {
                    capture(&event);
                    ui.painter.borrow_mut().drag = Some((id, x, y));
                }
                Some(Hit::Node(id)) => ui.inspect(Selection::Node(id)),
                // While the run replays to its moment, a message is gone within a frame.
                Some(Hit::Message(_)) if ui.engine.borrow().catching_up().is_some() => {}
                Some(Hit::Message(id)) => ui.inspect(Selection::Message(id)),
                None => ui.select(Selection::Nothing),
            }
        })
    };
    let pointer_move = {
        let ui = ui.clone();
        Callback::from(move |event: PointerEvent| {
            let mut painter = ui.painter.borrow_mut();
            let Some((id, _, _)) = painter.drag else {
                return;
            };
            // No button held: the press ended where this canvas did not hear it.
            painter.drag = (event.buttons() != 0).then(|| {
                let (x, y) = painter.scene_point(local(&event));
                (id, x, y)
            });
            let engine = ui.engine.borrow();
            painter.paint(&engine);
        })
    };
    let pointer_up = {
        let ui = ui.clone();
        Callback::from(move |_: PointerEvent| {
            let drag = ui.painter.borrow_mut().drag.take();
            let Some((id, x, y)) = drag else { return };
            let landing = ui.painter.borrow().layout.landing(id, x, y);
            match landing {
                Landing::Stay => return ui.inspect(Selection::Node(id)),
                Landing::Outside => return ui.refresh.emit(()),
                Landing::Join(_) | Landing::Alone => {}
            }
            match regroup(&ui, id, landing) {
                Ok(Some(groups)) => ui.act(Action::Partition { groups }),
                Ok(None) => ui.refresh.emit(()),
                Err(problem) => {
                    ui.engine.borrow_mut().notice = Some(problem.to_string());
                    ui.refresh.emit(());
                }
            }
        })
    };
    // The pointer went to the system (a scroll, a gesture): the drag is over, nothing dropped.
    let pointer_cancel = {
        let ui = ui.clone();
        Callback::from(move |_: PointerEvent| {
            if ui.painter.borrow_mut().drag.take().is_some() {
                ui.refresh.emit(());
            }
        })
    };
    html! {
        <>
        <canvas
            ref={canvas_ref}
            class="cluster-canvas"
            role="img"
            aria-label="The cluster: nodes on a ring, messages in flight between them. Click a node or message to inspect it; drag a node onto another to put it in that node's group, or into open space to cut it off."
            aria-describedby="cluster-now"
            tabindex="0"
            onpointerdown={pointer_down}
            onpointermove={pointer_move}
            onpointerup={pointer_up}
            onpointercancel={pointer_cancel.clone()}
            onlostpointercapture={pointer_cancel}
        />
        // What the ring shows, in words: its description, and announced as it changes (a
        // leader elected or lost, a node down or paused), which nothing else on the page says.
        <p id="cluster-now" class="visually-hidden" role="status">
            { crate::view::cluster_summary(ui.engine.borrow().simulation()) }
        </p>
        { super::toolbar::view_options(&ui) }
        { replay_progress(&ui) }
        </>
    }
}

/// While the run replays to its moment (a long link, a moment far ahead sought): how far it
/// has come.
fn replay_progress(ui: &super::context::Ui) -> Html {
    let Some((now_us, to_us)) = ui.engine.borrow().catching_up() else {
        return Html::default();
    };
    let percent = now_us.saturating_mul(100) / to_us.max(1);
    html! {
        <div class="replaying" role="status">
            <span>
                { "Replaying" }
                <span class="replaying-to">{ format!(" the run to {}", crate::view::format_time(to_us)) }</span>
                { format!(": {percent} %") }
            </span>
            <progress max={to_us.to_string()} value={now_us.to_string()} aria-label="Replayed so far" />
        </div>
    }
}

/// Why a drag cannot regroup the nodes.
const SINGLE_CUTS_NOTICE: &str = "The network has single cuts, so its nodes are not in groups to \
    move between. Heal it, or set groups in the Network tab, then drag.";

/// The partition after the drop: the groups as they are now, with the dragged node moved;
/// `Ok(None)` when that changes nothing. Drags add up: each moves one node and keeps the rest.
/// A network with single cuts (`Network::partition_groups`) is not regrouped: a partition would
/// silently replace links the person cut one by one.
fn regroup(
    ui: &super::context::Ui,
    dragged: NodeId,
    landing: Landing,
) -> Result<Option<Vec<Vec<NodeId>>>, &'static str> {
    let engine = ui.engine.borrow();
    let simulation = engine.simulation();
    let nodes: Vec<NodeId> = simulation.servers().map(|server| server.id).collect();
    let network = simulation.network();
    let before = network.partition_groups(&nodes).ok_or(SINGLE_CUTS_NOTICE)?;
    Ok(crate::view::moved_between_groups(
        &before,
        dragged,
        landing_target(landing),
    ))
}

/// The node whose group the dragged one joins (`None`: a group of its own).
fn landing_target(landing: Landing) -> Option<NodeId> {
    match landing {
        Landing::Join(target) => Some(target),
        Landing::Alone | Landing::Stay | Landing::Outside => None,
    }
}

/// Captures the pointer for the canvas, so a drag released outside it still ends here.
fn capture(event: &PointerEvent) {
    if let Some(canvas) = event.target_dyn_into::<HtmlCanvasElement>() {
        let _ = canvas.set_pointer_capture(event.pointer_id());
    }
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
