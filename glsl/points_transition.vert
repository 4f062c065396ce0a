// Seein' In point visual, animated: points.vert plus start positions (a_x0, a_y0) that
// move to their place as u_t goes 0 -> 1 (a layer-to-layer or projection transition).
// Used only while a transition runs, so the everyday shader stays lean.
//
// From points.vert:
// Per point (12 bytes for a 2-D scatter): a_x, a_y are two of the layer's per-dimension
// buffers (a panel binds any pair, so switching dims uploads nothing) and a_image the
// point's image index. Per image: one byte in u_state, class (low 7 bits) | selected << 7,
// so a selection change uploads n_images bytes. Everything else is a uniform.
// Data -> clip space is one affine map per panel (u_xform), folded on the CPU from the
// panel's data range and the scene transforms: keep this shader lean, vertex work is
// the cost on a software rasteriser.

attribute float a_x;
attribute float a_y;
attribute float a_image;
attribute float a_x0;          // start position, in the same data space as a_x, a_y
attribute float a_y0;
uniform float u_t;             // 0: at the start, 1: in place

uniform vec4 u_xform;          // x * u_xform.x + u_xform.y, y * u_xform.z + u_xform.w
uniform float u_diag;          // 1: 1-D dot plot (y = per-image jitter in [0, 1])
uniform sampler2D u_state;     // per-image byte: class | selected << 7
uniform vec2 u_state_size;     // texture width, height (width a power of two when > 1 row)
uniform vec4 u_palette[128];   // class colours
uniform float u_size;          // base point diameter in pixels
uniform float u_has_selection; // 0 or 1
uniform vec2 u_sel_scale;      // size factor of (unselected, selected) points when selecting
uniform float u_fade;          // alpha of unselected points when selecting
uniform float u_hover;         // hovered image index, -1 for none

varying vec4 v_color;

void main() {
    float row = floor(a_image / u_state_size.x);
    vec2 uv = vec2(a_image - row * u_state_size.x + 0.5, row + 0.5) / u_state_size;
    float state = floor(texture2D(u_state, uv).r * 255.0 + 0.5);
    float sel = step(128.0, state);
    float hover = step(abs(a_image - u_hover), 0.5);
    float on = max(mix(1.0, sel, u_has_selection), hover);  // 1: drawn at full strength

    v_color = u_palette[int(state - 128.0 * sel)];
    v_color.a *= mix(u_fade, 1.0, on);
    float scale = mix(1.0, mix(u_sel_scale.x, u_sel_scale.y, sel), u_has_selection);
    gl_PointSize = u_size * mix(scale, 2.0, hover);

    float t = u_t * u_t * (3.0 - 2.0 * u_t);  // ease in and out
    float x = mix(a_x0, a_x, t);
    float y = mix(a_y0, mix(a_y, fract(mod(a_image, 1024.0) * 0.618034), u_diag), t);
    // Selected points nearer than the rest, the hovered image nearest of all: with the
    // depth test on, one pass draws them on top, whatever their order in the buffers.
    float z = 0.5 - 0.3 * on * u_has_selection - 0.6 * hover;
    gl_Position = vec4(x * u_xform.x + u_xform.y, y * u_xform.z + u_xform.w, z, 1.0);
}
