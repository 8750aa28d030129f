//! The playground page's entry point. Trunk builds this binary for wasm32.

#[cfg(target_arch = "wasm32")]
fn main() {
    raft_playground::ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "raft-playground {} is a web page: serve it with `scripts/serve`.",
        raft_playground::BUILD_VERSION
    );
    std::process::exit(2);
}
