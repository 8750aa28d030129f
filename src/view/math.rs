//! The few transcendental functions the view needs. In the page they are the browser's
//! (`Math.sin` and the like), which keeps Rust's own out of the wasm (about 9 KB, mostly the
//! argument reduction for sine and cosine). Placing pixels and mapping the speed slider need no
//! bit-identical results, and nothing the simulator decides depends on them; natively (in the
//! tests) they are Rust's.

#[cfg(target_arch = "wasm32")]
pub fn sin_cos(angle: f64) -> (f64, f64) {
    (js_sys::Math::sin(angle), js_sys::Math::cos(angle))
}

#[cfg(target_arch = "wasm32")]
pub fn ln(x: f64) -> f64 {
    js_sys::Math::log(x)
}

#[cfg(target_arch = "wasm32")]
pub fn exp(x: f64) -> f64 {
    js_sys::Math::exp(x)
}

#[cfg(not(target_arch = "wasm32"))]
pub fn sin_cos(angle: f64) -> (f64, f64) {
    angle.sin_cos()
}

#[cfg(not(target_arch = "wasm32"))]
pub fn ln(x: f64) -> f64 {
    x.ln()
}

#[cfg(not(target_arch = "wasm32"))]
pub fn exp(x: f64) -> f64 {
    x.exp()
}
