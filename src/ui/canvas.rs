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
            let (x, y) = local(&event);
            let hit = ui.painter.borrow().hit(x, y);
            match hit {
                // Only the ring is dragged apart into a partition.
                Some(Hit::Node(id)) if ui.painter.borrow().view_mode == ViewMode::SpaceTime => {
                    ui.select(Selection::Node(id))
                }
                Some(Hit::Node(id)) => {
                    ui.painter.borrow_mut().drag = Some((id, x, y));
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
            let Some((id, x, y)) = drag else { return };
            let _ = event;
            let landing = ui.painter.borrow().layout.landing(id, x, y);
            match regroup(&ui, id, landing) {
                Some(groups) => ui.act(Action::Partition { groups }),
                None => ui.refresh.emit(()),
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
            tabindex="0"
            onpointerdown={pointer_down}
            onpointermove={pointer_move}
            onpointerup={pointer_up}
        />
        { super::toolbar::view_options(&ui) }
        </>
    }
}

/// The partition after the drop: the groups as they are now (see `Network::groups`), with
/// the dragged node moved; `None` when that changes nothing. Drags add up: each moves one node
/// and keeps the rest.
fn regroup(ui: &super::context::Ui, dragged: NodeId, landing: Landing) -> Option<Vec<Vec<NodeId>>> {
    let engine = ui.engine.borrow();
    let simulation = engine.simulation();
    let nodes: Vec<NodeId> = simulation.servers().map(|server| server.id).collect();
    let mut groups = simulation.network().groups(&nodes);
    let before = groups.clone();
    for group in &mut groups {
        group.retain(|&node| node != dragged);
    }
    groups.retain(|group| !group.is_empty());
    match landing {
        Landing::Join(target) => match groups.iter_mut().find(|group| group.contains(&target)) {
            Some(group) => group.push(dragged),
            None => groups.push(vec![dragged]),
        },
        Landing::Alone => groups.push(vec![dragged]),
        Landing::Stay => return None,
    }
    let same = groups.len() == before.len()
        && groups.iter().all(|group| {
            before
                .iter()
                .any(|old| old.len() == group.len() && group.iter().all(|node| old.contains(node)))
        });
    (!same).then_some(groups)
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
